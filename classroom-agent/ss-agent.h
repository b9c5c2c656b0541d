/* The classroom agent: it follows the signaling session (hello, join,
 * publish or subscribe, events) and runs the lead or remote pipeline. */
#pragma once

#include "ss-agent-lead.h"
#include "ss-agent-remote.h"
#include "ss-agent-return.h"
#include "ss-agent-stats.h"

G_BEGIN_DECLS

typedef struct {
  SsAgentRole role;
  const char *server_url;
  const char *classroom;
  /* NULL to follow the timetable: join each lesson that lesson.starting
   * announces for this classroom. */
  const char *lesson;
  /* The credential sent in hello. */
  const char *token;
  /* Lead: wait for lesson.starting even when @lesson is set. */
  gboolean auto_start;
  SsLeadConfig lead;
  SsRemoteConfig remote;
  /* Remote: the return feed to publish; source SS_RETURN_SOURCE_NONE for
   * none. */
  SsReturnConfig return_feed;
  /* Lead: slots of the subscription to the remotes' return feeds, 0 to
   * SS_AGENT_MAX_SLOTS; 0 subscribes to none. */
  guint return_slots;
  /* Read interaction commands from standard input. */
  gboolean console;
  /* Local ICE addresses; NULL or empty to use the local address of the
   * signaling connection. */
  const char *const *ice_addresses;
  /* Stats file, or NULL for none. */
  const char *stats_path;
} SsAgentConfig;

typedef struct _SsAgent SsAgent;

SsAgent *ss_agent_new (const SsAgentConfig *config, GMainLoop *loop,
                       GError **error);
void ss_agent_free (SsAgent *agent);

void ss_agent_start (SsAgent *agent);
void ss_agent_stop (SsAgent *agent);
SsAgentStats *ss_agent_get_stats (SsAgent *agent);
/* Lead: asks the server to end the current lesson for every classroom. */
void ss_agent_end_lesson (SsAgent *agent);

/* Lead: the default number of return feed slots. */
#define SS_AGENT_DEFAULT_RETURN_SLOTS 4
/* Remote: slot 0 is the lesson, slot 1 the floor. */
#define SS_AGENT_REMOTE_SLOTS 2

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SsAgent, ss_agent_free)

G_END_DECLS
