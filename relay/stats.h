/* JSON views of the relay's state for statistics snapshots. Built on the
 * worker thread that owns the objects, on request, never per packet. The
 * schema is documented with ss_relay_get_stats() in ss-relay.h. */
#pragma once

#include "router/consumer.h"
#include "router/producer.h"
#include "transport/webrtc-transport.h"

#include <jansson.h>

G_BEGIN_DECLS

json_t *ss_stats_producer_to_json (const SsProducer *producer, gint64 now_us);
json_t *ss_stats_consumer_to_json (const SsConsumer *consumer, gint64 now_us);
json_t *ss_stats_transport_to_json (SsWebrtcTransport *transport);

G_END_DECLS
