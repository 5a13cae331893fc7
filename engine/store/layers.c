/* engine/store/layers.c: the table of workspace layers and their fields. The schema in
 * data/schema.sql must agree with it; check_engine tests that it does. */
#include "wg/layers.h"

#include <string.h>
#include <strings.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const wg_col communities[] = {
    {"id", WG_COL_TEXT, WG_COL_REQUIRED, "id,code,ntacode", NULL},
    {"name", WG_COL_TEXT, 0, "name,ntaname", NULL},
    {"parent", WG_COL_TEXT, 0, "parent,street,town", NULL},
    {"households", WG_COL_INT, WG_COL_NONNEG | WG_COL_WHOLE, "households,hh", NULL},
};
static const wg_col units[] = {
    {"id", WG_COL_TEXT, WG_COL_REQUIRED, "id", NULL},
    {"households", WG_COL_INT, WG_COL_REQUIRED | WG_COL_NONNEG | WG_COL_WHOLE,
     "households,hh,hh_count", NULL},
    {"compound", WG_COL_TEXT, 0, "compound,compound_id", NULL},
    {"community", WG_COL_TEXT, 0, "community,community_id", NULL},
    /* the spellings import accepts for each kind: wg_unit_kind() */
    {"kind", WG_COL_TEXT, 0, "kind", "building,compound,address,area"},
    {"name", WG_COL_TEXT, 0, "name", NULL},
};
static const wg_col buildings[] = {
    {"id", WG_COL_TEXT, WG_COL_REQUIRED, "id,osm_id,bin,building_id", NULL},
    {"height_m", WG_COL_REAL, WG_COL_NONNEG, "height_m,height,building:height,heightroof", NULL},
    {"name", WG_COL_TEXT, 0, "name", NULL},
};
static const wg_col barriers[] = {
    {"id", WG_COL_TEXT, WG_COL_REQUIRED, "id", NULL},
    {"kind", WG_COL_TEXT, 0, "kind", "road,river,rail"},
    {"name", WG_COL_TEXT, 0, "name,fullname", NULL},
};
static const wg_col streets[] = {
    {"id", WG_COL_TEXT, WG_COL_REQUIRED, "id,linearid", NULL},
    {"name", WG_COL_TEXT, 0, "name,fullname", NULL},
    {"kind", WG_COL_TEXT, 0, "kind,mtfcc", NULL},
};
/* Incidents: the names case systems export under (NYC and Boston 311, police logs, Chinese
 * grid-management systems). Aliases are matched in any case with spaces, '_', '-' and '.'
 * ignored ("Created Date" is created_date); the first alias the source has wins, and a source
 * field feeds one layer field at most. Only names whose meaning is unambiguous are here: a
 * bare "date" (New Haven's date without its time) is left for --map. */
static const wg_col incidents[] = {
    {"id", WG_COL_TEXT, WG_COL_REQUIRED,
     "id,case_id,case_number,case_no,unique_key,incident_id,incident_number,case_enquiry_id,"
     "event_id,ticket_id,案件编号,案件号,事件编号,工单编号",
     NULL},
    {"category", WG_COL_TEXT, 0,
     "category,type,complaint_type,case_type,incident_type,event_type,offense_description,"
     "案件类别,案件类型,事件类型,事件类别,问题类型,类别",
     NULL},
    {"source", WG_COL_TEXT, 0,
     "source,channel,source_type,open_data_channel_type,report_channel,来源,案件来源,上报渠道,"
     "渠道",
     NULL},
    {"status", WG_COL_TEXT, 0, "status,state,case_status,状态,案件状态,处置状态", NULL},
    {"reported", WG_COL_TIME, 0,
     "reported,reported_at,reported_date,report_time,report_date,created,created_at,"
     "created_date,opened,opened_at,open_dt,open_date,occurred_on_date,occurred_at,上报时间,"
     "报案时间,受理时间,发现时间,立案时间",
     NULL},
    {"dispatched", WG_COL_TIME, 0,
     "dispatched,dispatched_at,dispatch_time,dispatch_ts,dispatch_date,assigned_at,"
     "assigned_date,派遣时间,派单时间",
     NULL},
    {"closed", WG_COL_TIME, 0,
     "closed,closed_at,closed_date,closed_dt,close_date,resolved_at,resolved_date,"
     "resolution_date,结案时间,办结时间,处置完成时间,关闭时间",
     NULL},
    {"due", WG_COL_TIME, 0,
     "due,due_at,due_date,due_dt,sla_target_dt,target_date,deadline,处置时限,办理时限,截止时间",
     NULL},
};
/* Import reads kind, heading_deg, fov_deg, range_m and height_m through engine/cameras.c
 * (spellings, OSM directions, defaults per kind), not by their type and flags here. */
static const wg_col cameras[] = {
    {"id", WG_COL_TEXT, WG_COL_REQUIRED, "id,deviceid,device_id", NULL},
    {"kind", WG_COL_TEXT, 0, "kind,camera:type,camera_type,type", NULL},
    {"heading_deg", WG_COL_REAL, 0, "heading_deg,heading,camera:direction,direction", NULL},
    {"fov_deg", WG_COL_REAL, WG_COL_NONNEG, "fov_deg,fov", NULL},
    {"range_m", WG_COL_REAL, WG_COL_NONNEG, "range_m,range", NULL},
    {"height_m", WG_COL_REAL, WG_COL_NONNEG, "height_m,height,camera:height", NULL},
    {"name", WG_COL_TEXT, 0, "name", NULL},
};
static const wg_col workers[] = {
    {"id", WG_COL_TEXT, WG_COL_REQUIRED, "id", NULL},
    {"name", WG_COL_TEXT, 0, "name", NULL},
    {"role", WG_COL_TEXT, 0, "role", NULL},
    {"community", WG_COL_TEXT, 0, "community", NULL},
};
/* Administrative codes: district -> street/town -> residents' committee (the Shanghai adcode
 * tables: code, parent, name, level county/town/village). */
static const wg_col codes[] = {
    {"id", WG_COL_TEXT, WG_COL_REQUIRED, "id,code,adcode,区划代码,统计用区划代码,代码", NULL},
    {"parent", WG_COL_TEXT, 0, "parent,parent_code,上级代码,上级区划代码", NULL},
    {"name", WG_COL_TEXT, 0, "name,名称,区划名称", NULL},
    {"level", WG_COL_TEXT, 0, "level,级别,层级", NULL},
};
static const wg_col cells[] = {
    {"code", WG_COL_TEXT, WG_COL_REQUIRED, NULL, NULL},
    {"plan", WG_COL_INT, 0, NULL, NULL},
    {"community", WG_COL_TEXT, 0, NULL, NULL},
    {"households", WG_COL_INT, 0, NULL, NULL},
    {"units", WG_COL_INT, 0, NULL, NULL},
    {"area_m2", WG_COL_REAL, 0, NULL, NULL},
    {"compactness", WG_COL_REAL, 0, NULL, NULL},
};
static const wg_col blind_spots[] = {
    {"cell", WG_COL_TEXT, WG_COL_REQUIRED, NULL, NULL},
    {"plan", WG_COL_INT, 0, NULL, NULL},
    {"area_m2", WG_COL_REAL, 0, NULL, NULL},
    {"incidents", WG_COL_INT, 0, NULL, NULL},
};
static const wg_col camera_views[] = {
    {"camera", WG_COL_TEXT, WG_COL_REQUIRED, NULL, NULL},
    {"kind", WG_COL_TEXT, 0, NULL, NULL},
    {"area_m2", WG_COL_REAL, 0, NULL, NULL},
};

static const wg_layer_def layers[WG_NLAYERS] = {
    {"communities", WG_G_POLYGON, "MULTIPOLYGON", true, true, communities, N(communities)},
    {"units", WG_G_ANY, "GEOMETRY", true, true, units, N(units)},
    {"barriers", WG_G_LINE, "MULTILINESTRING", true, true, barriers, N(barriers)},
    {"streets", WG_G_LINE, "MULTILINESTRING", true, true, streets, N(streets)},
    {"incidents", WG_G_POINT, "POINT", false, true, incidents, N(incidents)},
    {"cameras", WG_G_POINT, "POINT", true, true, cameras, N(cameras)},
    {"workers", WG_G_NONE, NULL, false, true, workers, N(workers)},
    {"codes", WG_G_NONE, NULL, false, true, codes, N(codes)},
    {"buildings", WG_G_POLYGON, "MULTIPOLYGON", true, true, buildings, N(buildings)},
    {"cells", WG_G_POLYGON, "MULTIPOLYGON", true, false, cells, N(cells)},
    {"blind_spots", WG_G_POLYGON, "MULTIPOLYGON", true, false, blind_spots, N(blind_spots)},
    {"camera_views", WG_G_POLYGON, "MULTIPOLYGON", true, false, camera_views, N(camera_views)},
};

const wg_layer_def *wg_layers(void)
{
    return layers;
}

const char *wg_unit_kind(const char *v)
{
    static const char *const spell[][2] = {
        {"building", "building"}, {"buildings", "building"}, {"footprint", "building"},
        {"bldg", "building"},     {"compound", "compound"},  {"address", "address"},
        {"addr", "address"},      {"point", "address"},      {"area", "area"},
        {"block", "area"},        {"census block", "area"},  {"blockgroup", "area"},
        {"block group", "area"},  {"block_group", "area"},   {"tract", "area"},
        {"census tract", "area"}, {"parcel", "area"},        {"lot", "area"},
        {"zone", "area"},         {"neighbourhood", "area"}, {"neighborhood", "area"},
    };
    for (size_t i = 0; v && i < N(spell); i++)
        if (strcasecmp(v, spell[i][0]) == 0)
            return spell[i][1];
    return NULL;
}

const wg_layer_def *wg_layer_find(const char *name)
{
    for (size_t i = 0; i < WG_NLAYERS; i++)
        if (strcmp(layers[i].name, name) == 0)
            return &layers[i];
    return NULL;
}
