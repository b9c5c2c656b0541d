/* Admin API handlers for the timetable. They translate JSON (or CSV for
 * the import) into ss-timetable.h calls and map SS_TIMETABLE_ERROR codes to
 * HTTP statuses in one place: invalid 400, not found 404, exists and clash
 * 409, in use 409, database failures 500.
 */
#define G_LOG_DOMAIN "ss-timetable"

#include "ss-timetable-routes.h"

#include <string.h>

#include "ss-lifecycle.h"
#include "ss-message.h"
#include "ss-timetable-csv.h"

struct _SsTimetableRoutes {
  SsTimetable *timetable;
  SsAuth *auth;
  SsTimetableChangedFunc changed;
  gpointer changed_data;
};

SsTimetableRoutes *
ss_timetable_routes_new (SsTimetable *timetable,
                         SsAuth *auth,
                         SsTimetableChangedFunc changed,
                         gpointer changed_data)
{
  SsTimetableRoutes *routes = g_new0 (SsTimetableRoutes, 1);
  *routes = (SsTimetableRoutes){
    .timetable = timetable,
    .auth = auth,
    .changed = changed,
    .changed_data = changed_data,
  };
  return routes;
}

void
ss_timetable_routes_free (SsTimetableRoutes *routes)
{
  g_free (routes);
}

static void
notify_changed (SsTimetableRoutes *routes)
{
  if (routes->changed != NULL)
    routes->changed (routes->changed_data);
}

static void
set_timetable_error (SsAdminResponse *response, const GError *error)
{
  static const struct {
    guint status;
    const char *code;
  } map[] = {
    [SS_TIMETABLE_ERROR_INVALID] = { 400, "invalid" },
    [SS_TIMETABLE_ERROR_NOT_FOUND] = { 404, "not_found" },
    [SS_TIMETABLE_ERROR_EXISTS] = { 409, "exists" },
    [SS_TIMETABLE_ERROR_CLASH] = { 409, "clash" },
    [SS_TIMETABLE_ERROR_IN_USE] = { 409, "in_use" },
    [SS_TIMETABLE_ERROR_DATABASE] = { 500, "internal" },
  };

  if (error->domain != SS_TIMETABLE_ERROR || error->code < 0
      || (gsize) error->code >= G_N_ELEMENTS (map))
    {
      g_warning ("timetable request failed: %s", error->message);
      ss_admin_response_set_error (response, 500, "internal", error->message);
      return;
    }

  if (error->code == SS_TIMETABLE_ERROR_DATABASE)
    g_warning ("timetable request failed: %s", error->message);
  ss_admin_response_set_error (response, map[error->code].status,
                               map[error->code].code, error->message);
}

/* Parses the body as a JSON object; on failure fills @response. */
static json_t *
parse_body (const SsAdminRequest *request, SsAdminResponse *response)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (request->body, &length);
  json_error_t json_error;
  json_t *body = json_loadb (data != NULL ? data : "", length,
                             JSON_REJECT_DUPLICATES, &json_error);
  if (body == NULL || !json_is_object (body))
    {
      g_autofree char *text = g_strdup_printf (
          "the body is not a JSON object: %s",
          body == NULL ? json_error.text : "another JSON type");
      ss_admin_response_set_error (response, 400, "invalid", text);
      if (body != NULL)
        json_decref (body);
      return NULL;
    }
  return body;
}

/* Returns the string member, NULL when absent; @ok turns FALSE when it is
 * present but not a string. */
static const char *
get_string (json_t *object, const char *name, gboolean *ok)
{
  json_t *value = json_object_get (object, name);
  if (value == NULL || json_is_null (value))
    return NULL;
  if (!json_is_string (value))
    {
      *ok = FALSE;
      return NULL;
    }
  return json_string_value (value);
}

/* The last path segment after @prefix, or NULL when empty or nested. */
static const char *
path_id (const SsAdminRequest *request, const char *prefix)
{
  const char *id = request->path + strlen (prefix);
  if (id[0] == '\0' || strchr (id, '/') != NULL)
    return NULL;
  return id;
}

/* ---- Classrooms -------------------------------------------------------- */

static json_t *
classroom_to_json (const SsTimetableClassroom *classroom)
{
  json_t *object = json_object ();
  json_object_set_new (object, "id", json_string (classroom->id));
  json_object_set_new (object, "name", json_string (classroom->name));
  json_object_set_new (object, "school",
                       classroom->school != NULL
                           ? json_string (classroom->school)
                           : json_null ());
  json_object_set_new (object, "county",
                       classroom->county != NULL
                           ? json_string (classroom->county)
                           : json_null ());
  json_object_set_new (object, "township",
                       classroom->township != NULL
                           ? json_string (classroom->township)
                           : json_null ());
  return object;
}

static void
handle_list_classrooms (const SsAdminRequest *request,
                        SsAdminResponse *response,
                        gpointer user_data)
{
  SsTimetableRoutes *routes = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) classrooms =
      ss_timetable_list_classrooms (routes->timetable, &error);
  if (classrooms == NULL)
    {
      set_timetable_error (response, error);
      return;
    }

  json_t *list = json_array ();
  for (guint i = 0; i < classrooms->len; i++)
    json_array_append_new (list,
                           classroom_to_json (g_ptr_array_index (classrooms,
                                                                 i)));
  json_t *body = json_object ();
  json_object_set_new (body, "classrooms", list);
  ss_admin_response_set_json (response, 200, body);
}

static void
handle_add_classroom (const SsAdminRequest *request,
                      SsAdminResponse *response,
                      gpointer user_data)
{
  SsTimetableRoutes *routes = user_data;
  g_autoptr (json_t) body = parse_body (request, response);
  if (body == NULL)
    return;

  gboolean ok = TRUE;
  SsTimetableClassroom classroom = {
    .id = (char *) get_string (body, "id", &ok),
    .name = (char *) get_string (body, "name", &ok),
    .school = (char *) get_string (body, "school", &ok),
    .county = (char *) get_string (body, "county", &ok),
    .township = (char *) get_string (body, "township", &ok),
  };
  if (!ok)
    {
      ss_admin_response_set_error (response, 400, "invalid",
                                   "id, name, school, county and township "
                                   "must be strings");
      return;
    }

  g_autoptr (GError) error = NULL;
  if (!ss_timetable_add_classroom (routes->timetable, &classroom, &error))
    {
      set_timetable_error (response, error);
      return;
    }

  g_autofree char *token = ss_auth_issue (
      routes->auth, SS_AUTH_ROLE_CLASSROOM, classroom.id, request->now_unix,
      SS_TIMETABLE_CLASSROOM_TOKEN_LIFETIME_S, &error);
  if (token == NULL)
    {
      ss_admin_response_set_error (response, 500, "internal", error->message);
      return;
    }

  json_t *reply = json_object ();
  json_object_set_new (reply, "classroom", classroom_to_json (&classroom));
  json_object_set_new (reply, "token", json_string (token));
  json_object_set_new (reply, "token_expires",
                       json_integer (request->now_unix
                                     + SS_TIMETABLE_CLASSROOM_TOKEN_LIFETIME_S));
  ss_admin_response_set_json (response, 201, reply);
}

/* Removes the classroom or lesson named by the path after prefix with
 * remove_func and sets the reply. Returns TRUE when it was removed. */
static gboolean
remove_by_path (SsTimetableRoutes *routes, const SsAdminRequest *request,
                SsAdminResponse *response, const char *prefix,
                gboolean (*remove_func) (SsTimetable *, const char *, GError **))
{
  const char *id = path_id (request, prefix);
  if (id == NULL)
    {
      g_autofree char *message = g_strdup_printf ("expected %sID", prefix);
      ss_admin_response_set_error (response, 404, "not_found", message);
      return FALSE;
    }

  g_autoptr (GError) error = NULL;
  if (!remove_func (routes->timetable, id, &error))
    {
      set_timetable_error (response, error);
      return FALSE;
    }

  json_t *reply = json_object ();
  json_object_set_new (reply, "removed", json_string (id));
  ss_admin_response_set_json (response, 200, reply);
  return TRUE;
}

static void
handle_remove_classroom (const SsAdminRequest *request,
                         SsAdminResponse *response,
                         gpointer user_data)
{
  remove_by_path (user_data, request, response, "/api/v1/classrooms/",
                  ss_timetable_remove_classroom);
}

/* ---- Lessons ----------------------------------------------------------- */

static json_t *
lesson_to_json (SsTimetableRoutes *routes,
                const SsTimetableLesson *lesson,
                gint64 now_unix)
{
  g_autofree char *start = ss_timetable_format_time (lesson->start_unix,
                                                     lesson->utc_offset_s);
  g_autofree char *end = ss_timetable_format_time (lesson->end_unix,
                                                   lesson->utc_offset_s);
  json_t *remotes = json_array ();
  for (guint i = 0; lesson->remotes[i] != NULL; i++)
    json_array_append_new (remotes, json_string (lesson->remotes[i]));

  json_t *object = json_object ();
  json_object_set_new (object, "id", json_string (lesson->id));
  json_object_set_new (object, "title", json_string (lesson->title));
  json_object_set_new (object, "subject", json_string (lesson->subject));
  json_object_set_new (object, "lead", json_string (lesson->lead));
  json_object_set_new (object, "remotes", remotes);
  json_object_set_new (object, "start", json_string (start));
  json_object_set_new (object, "end", json_string (end));
  json_object_set_new (object, "weekly", json_boolean (lesson->weekly));

  /* The state of the run that is live, or of the next one. */
  gint64 run_start, run_end;
  SsLessonState state = SS_LESSON_STATE_ENDED;
  if (ss_lifecycle_find_live_run (routes->timetable, lesson->id, &run_start,
                                  &run_end))
    state = SS_LESSON_STATE_LIVE;
  else if (ss_timetable_lesson_next_run (lesson, now_unix, &run_start,
                                         &run_end))
    state = ss_timetable_get_run_state (routes->timetable, lesson->id,
                                        run_start);
  json_object_set_new (object, "state",
                       json_string (ss_lesson_state_to_string (state)));
  return object;
}

static void
handle_list_lessons (const SsAdminRequest *request,
                     SsAdminResponse *response,
                     gpointer user_data)
{
  SsTimetableRoutes *routes = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) lessons = ss_timetable_list_lessons (routes->timetable,
                                                             &error);
  if (lessons == NULL)
    {
      set_timetable_error (response, error);
      return;
    }

  json_t *list = json_array ();
  for (guint i = 0; i < lessons->len; i++)
    json_array_append_new (list,
                           lesson_to_json (routes,
                                           g_ptr_array_index (lessons, i),
                                           request->now_unix));
  json_t *body = json_object ();
  json_object_set_new (body, "lessons", list);
  ss_admin_response_set_json (response, 200, body);
}

static GStrv
read_remotes (json_t *body, gboolean *ok)
{
  json_t *array = json_object_get (body, "remotes");
  if (!json_is_array (array))
    {
      *ok = FALSE;
      return NULL;
    }

  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  for (gsize i = 0; i < json_array_size (array); i++)
    {
      json_t *item = json_array_get (array, i);
      if (!json_is_string (item))
        {
          *ok = FALSE;
          return NULL;
        }
      g_strv_builder_add (builder, json_string_value (item));
    }
  return g_strv_builder_end (builder);
}

/* Fills @lesson from the body; its strings are copies. */
static gboolean
read_lesson (json_t *body, SsTimetableLesson *lesson, GError **error)
{
  gboolean ok = TRUE;
  lesson->id = g_strdup (get_string (body, "id", &ok));
  lesson->title = g_strdup (get_string (body, "title", &ok));
  lesson->subject = g_strdup (get_string (body, "subject", &ok));
  lesson->lead = g_strdup (get_string (body, "lead", &ok));
  const char *start = get_string (body, "start", &ok);
  const char *end = get_string (body, "end", &ok);
  json_t *weekly = json_object_get (body, "weekly");
  lesson->remotes = read_remotes (body, &ok);

  if (!ok || (weekly != NULL && !json_is_boolean (weekly)))
    {
      g_set_error (error, SS_TIMETABLE_ERROR, SS_TIMETABLE_ERROR_INVALID,
                   "expected title, subject, lead, start and end as strings, "
                   "remotes as an array of classroom ids and weekly as a "
                   "boolean");
      return FALSE;
    }
  lesson->weekly = json_is_true (weekly);

  int end_offset;
  return ss_timetable_parse_time (start, &lesson->start_unix,
                                  &lesson->utc_offset_s, error)
         && ss_timetable_parse_time (end, &lesson->end_unix, &end_offset,
                                     error);
}

static void
handle_add_lesson (const SsAdminRequest *request,
                   SsAdminResponse *response,
                   gpointer user_data)
{
  SsTimetableRoutes *routes = user_data;
  g_autoptr (json_t) body = parse_body (request, response);
  if (body == NULL)
    return;

  g_autoptr (SsTimetableLesson) lesson = g_new0 (SsTimetableLesson, 1);
  g_autoptr (GError) error = NULL;
  if (!read_lesson (body, lesson, &error)
      || !ss_timetable_add_lesson (routes->timetable, lesson, &error))
    {
      set_timetable_error (response, error);
      return;
    }

  notify_changed (routes);
  json_t *reply = json_object ();
  json_object_set_new (reply, "lesson",
                       lesson_to_json (routes, lesson, request->now_unix));
  ss_admin_response_set_json (response, 201, reply);
}

static void
handle_remove_lesson (const SsAdminRequest *request,
                      SsAdminResponse *response,
                      gpointer user_data)
{
  SsTimetableRoutes *routes = user_data;

  /* NOTE: removing a live lesson does not send lesson.ended; its members
   * stay until they leave or the server restarts. */
  if (remove_by_path (routes, request, response, "/api/v1/lessons/",
                      ss_timetable_remove_lesson))
    notify_changed (routes);
}

static void
handle_import (const SsAdminRequest *request,
               SsAdminResponse *response,
               gpointer user_data)
{
  SsTimetableRoutes *routes = user_data;
  gsize length = 0;
  const char *data = g_bytes_get_data (request->body, &length);

  g_autoptr (GError) error = NULL;
  guint n_added = 0;
  if (!ss_timetable_import_csv (routes->timetable, data != NULL ? data : "",
                                length, &n_added, &error))
    {
      set_timetable_error (response, error);
      return;
    }

  notify_changed (routes);
  json_t *reply = json_object ();
  json_object_set_new (reply, "imported", json_integer (n_added));
  ss_admin_response_set_json (response, 200, reply);
}

static const SsAdminRoute timetable_routes[] = {
  { .method = SS_HTTP_METHOD_GET, .path = "/api/v1/classrooms",
    .auth = SS_ADMIN_AUTH_ADMIN, .handler = handle_list_classrooms },
  { .method = SS_HTTP_METHOD_POST, .path = "/api/v1/classrooms",
    .auth = SS_ADMIN_AUTH_ADMIN, .handler = handle_add_classroom },
  { .method = SS_HTTP_METHOD_DELETE, .path = "/api/v1/classrooms/",
    .match = SS_ADMIN_MATCH_PREFIX, .auth = SS_ADMIN_AUTH_ADMIN,
    .handler = handle_remove_classroom },
  { .method = SS_HTTP_METHOD_GET, .path = "/api/v1/lessons",
    .auth = SS_ADMIN_AUTH_ADMIN, .handler = handle_list_lessons },
  { .method = SS_HTTP_METHOD_POST, .path = "/api/v1/lessons",
    .auth = SS_ADMIN_AUTH_ADMIN, .handler = handle_add_lesson },
  { .method = SS_HTTP_METHOD_DELETE, .path = "/api/v1/lessons/",
    .match = SS_ADMIN_MATCH_PREFIX, .auth = SS_ADMIN_AUTH_ADMIN,
    .handler = handle_remove_lesson },
  { .method = SS_HTTP_METHOD_POST, .path = "/api/v1/timetable/import",
    .auth = SS_ADMIN_AUTH_ADMIN, .handler = handle_import },
};

void
ss_timetable_routes_register (SsTimetableRoutes *routes, SsAdminApi *api)
{
  ss_admin_api_add_routes (api, timetable_routes,
                           G_N_ELEMENTS (timetable_routes), routes);
}
