/* GStreamer webrtcbin as a relay client in the integration tests: ICE on
 * loopback only, and the offer/answer exchange with the relay. Every step
 * asserts, so a failure stops the test where it happened. */
#pragma once

#include <gst/gst.h>

/* Restricts webrtcbin's ICE agent to UDP on 127.0.0.1, with UPnP off. */
void ss_test_webrtcbin_configure_ice (GstElement *webrtcbin);

/* Creates an offer, sets it as the local description and returns its SDP
 * text. */
char *ss_test_webrtcbin_create_offer (GstElement *webrtcbin);

/* Sets the relay's SDP answer as the remote description. */
void ss_test_webrtcbin_set_answer (GstElement *webrtcbin,
                                   const char *answer_sdp);
