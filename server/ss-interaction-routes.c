/* GET /api/v1/lessons/ID/log: every run of a lesson in the interaction log
 * with its events, oldest first. The reply is
 *
 *   {"lesson": ID, "runs": [{"start", "timetable", "events": [EVENT]}]}
 *
 * Each EVENT has "at" and "kind" (chat, hand.raise, hand.lower,
 * floor.grant, floor.revoke, phase, attendance). "by", "role" and "client"
 * name the sender, and are all null when the server made the change.
 * "classroom" is the classroom the event is about, or a private message's
 * other classroom, else null. By kind, "seq" and "text", "phase" or
 * "students" follow. Times are ISO 8601 with the run's offset.
 */
#define G_LOG_DOMAIN "ss-interaction-log"

#include "ss-interaction-routes.h"

#include <string.h>

#define LESSONS_PREFIX "/api/v1/lessons/"
#define LOG_SUFFIX "/log"

static char *
format_time (gint64 time_us, int utc_offset_s)
{
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (
      time_us / G_USEC_PER_SEC);
  g_autoptr (GTimeZone) zone = g_time_zone_new_offset (utc_offset_s);
  if (utc == NULL || zone == NULL)
    return g_strdup ("invalid");

  g_autoptr (GDateTime) local = g_date_time_to_timezone (utc, zone);
  return g_date_time_format (local, "%Y-%m-%dT%H:%M:%S%:z");
}

static json_t *
string_or_null (const char *value)
{
  return value != NULL ? json_string (value) : json_null ();
}

static json_t *
event_to_json (const SsLogEvent *event, int utc_offset_s)
{
  g_autofree char *at = format_time (event->at_us, utc_offset_s);
  gboolean has_actor = event->actor != NULL;

  json_t *object = json_object ();
  json_object_set_new (object, "at", json_string (at));
  json_object_set_new (object, "kind",
                       json_string (ss_log_event_kind_to_string (event->kind)));
  json_object_set_new (object, "by", string_or_null (event->actor));
  json_object_set_new (object, "role",
                       string_or_null (has_actor ? ss_role_to_string (
                                                       event->actor_role)
                                                 : NULL));
  json_object_set_new (object, "client",
                       string_or_null (has_actor ? ss_client_kind_to_string (
                                                       event->actor_client)
                                                 : NULL));
  json_object_set_new (object, "classroom", string_or_null (event->classroom));

  switch (event->kind)
    {
    case SS_LOG_EVENT_CHAT:
      json_object_set_new (object, "seq", json_integer (event->seq));
      json_object_set_new (object, "text", string_or_null (event->text));
      break;
    case SS_LOG_EVENT_PHASE:
      json_object_set_new (object, "phase",
                           json_string (ss_class_phase_to_string (event->phase)));
      break;
    case SS_LOG_EVENT_ATTENDANCE:
      json_object_set_new (object, "students",
                           event->students >= 0
                               ? json_integer (event->students)
                               : json_null ());
      break;
    default:
      break;
    }
  return object;
}

static json_t *
run_to_json (SsInteractionLog *log,
             const char *lesson_id,
             const SsLogRun *run,
             GError **error)
{
  g_autoptr (SsLogEventList) list = ss_interaction_log_list_events (
      log, lesson_id, run->run_start, error);
  if (list == NULL)
    return NULL;

  json_t *events = json_array ();
  for (guint i = 0; i < list->events->len; i++)
    json_array_append_new (
        events, event_to_json (&g_array_index (list->events, SsLogEvent, i),
                               run->utc_offset_s));

  g_autofree char *start = format_time (run->run_start * G_USEC_PER_SEC,
                                        run->utc_offset_s);
  return json_pack ("{s:s,s:b,s:o}", "start", start, "timetable",
                    run->timetable, "events", events);
}

/* The lesson id between the prefix and "/log", or NULL. */
static char *
lesson_id_from_path (const char *path)
{
  if (!g_str_has_prefix (path, LESSONS_PREFIX)
      || !g_str_has_suffix (path, LOG_SUFFIX))
    return NULL;

  gsize start = strlen (LESSONS_PREFIX);
  gsize end = strlen (path) - strlen (LOG_SUFFIX);
  if (end <= start)
    return NULL;
  return g_strndup (path + start, end - start);
}

static void
handle_get_log (const SsAdminRequest *request,
                SsAdminResponse *response,
                gpointer user_data)
{
  SsInteractionLog *log = user_data;
  g_autofree char *lesson_id = lesson_id_from_path (request->path);
  if (lesson_id == NULL)
    {
      g_autofree char *text = g_strdup_printf ("no resource at %s",
                                               request->path);
      ss_admin_response_set_error (response, 404, "not_found", text);
      return;
    }

  if (!ss_identifier_is_valid (lesson_id))
    {
      g_autofree char *text = g_strdup_printf (
          "invalid lesson id \"%s\": use 1 to %d characters of A-Z a-z 0-9 "
          ". _ -",
          lesson_id, SS_IDENTIFIER_MAX_LENGTH);
      ss_admin_response_set_error (response, 400, "invalid", text);
      return;
    }

  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) runs = ss_interaction_log_list_runs (log, lesson_id,
                                                          &error);
  if (runs != NULL && runs->len == 0)
    {
      g_autofree char *text = g_strdup_printf (
          "lesson %s has no interaction log: it has never run on this "
          "server",
          lesson_id);
      ss_admin_response_set_error (response, 404, "not_found", text);
      return;
    }

  json_t *runs_json = json_array ();
  for (guint i = 0; runs != NULL && i < runs->len; i++)
    {
      json_t *run = run_to_json (log, lesson_id,
                                 &g_array_index (runs, SsLogRun, i), &error);
      if (run == NULL)
        break;
      json_array_append_new (runs_json, run);
    }

  if (error != NULL)
    {
      json_decref (runs_json);
      g_warning ("lesson=%s: interaction log not readable: %s", lesson_id,
                 error->message);
      ss_admin_response_set_error (response, 500, "internal", error->message);
      return;
    }

  ss_admin_response_set_json (response, 200,
                              json_pack ("{s:s,s:o}", "lesson", lesson_id,
                                         "runs", runs_json));
}

static const SsAdminRoute interaction_routes[] = {
  { .method = SS_HTTP_METHOD_GET, .path = LESSONS_PREFIX,
    .match = SS_ADMIN_MATCH_PREFIX, .auth = SS_ADMIN_AUTH_ADMIN,
    .handler = handle_get_log },
};

void
ss_interaction_routes_register (SsInteractionLog *log, SsAdminApi *api)
{
  g_return_if_fail (log != NULL);
  g_return_if_fail (api != NULL);

  ss_admin_api_add_routes (api, interaction_routes,
                           G_N_ELEMENTS (interaction_routes), log);
}
