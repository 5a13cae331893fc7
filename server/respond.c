/* server/respond.c: JSON answers and errors (see serve_int.h). */
#include "serve_int.h"
#include "wg/timeparse.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void answer_headers(struct MHD_Response *r, const char *type)
{
    if (type)
        MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
}

struct MHD_Response *json_response(char *text, size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return NULL;
    }
    answer_headers(r, "application/json; charset=utf-8");
    return r;
}

enum MHD_Result send_json_h(struct MHD_Connection *c, unsigned status, json_t *body,
                            const char *hname, const char *hvalue)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text && status != MHD_HTTP_INTERNAL_SERVER_ERROR) /* out of memory, or bad text */
        return send_json_h(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                           json_pack("{s:{s:i,s:s}}", "error", "status", 500, "message",
                                     "the answer could not be encoded"),
                           NULL, NULL);
    if (!text)
        return MHD_NO; /* the connection is closed */
    struct MHD_Response *r = json_response(text, strlen(text));
    if (!r)
        return MHD_NO;
    if (hname)
        MHD_add_response_header(r, hname, hvalue);
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, json_t *body)
{
    return send_json_h(c, status, body, NULL, NULL);
}

enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
    return send_json(c, status,
                     json_pack("{s:{s:i,s:s}}", "error", "status", (int)status, "message", msg));
}

enum MHD_Result send_errorf(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return send_error(c, status, msg);
}

enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, char *text, size_t len,
                          const char *type)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    answer_headers(r, type);
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

json_t *json_num(double v)
{
    return isnan(v) || isinf(v) ? json_null() : json_real(v);
}

json_t *json_time(int64_t t, bool open)
{
    if (open)
        return json_null();
    char buf[40];
    wg_time_format_utc(t, buf, sizeof buf);
    return json_string(buf);
}

const char *query_arg(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

json_t *json_body(struct MHD_Connection *c, const char *data, size_t len, enum MHD_Result *sent)
{
    const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    if (!type || strncmp(type, "application/json", 16) != 0) {
        *sent =
            send_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "Content-Type: send application/json");
        return NULL;
    }
    json_error_t je;
    json_t *in = json_loadb(data ? data : "", len, JSON_REJECT_DUPLICATES, &je);
    if (!in)
        *sent = send_errorf(c, MHD_HTTP_BAD_REQUEST, "the body is not JSON: line %d: %s", je.line,
                            je.text);
    return in;
}

bool query_period_of(struct MHD_Connection *c, wg_ctx *ctx, period_q *q, char *why, size_t n)
{
    return query_period(ctx, query_arg(c, "from"), query_arg(c, "to"), query_arg(c, "tz"),
                        query_arg(c, "category"), q, why, n);
}
