/* samples/democity.c: the deterministic sample city behind `wangge demo`. Lays out main roads,
 * superblocks, blocks, compounds and bungalow areas, communities, cameras, workers and a year of
 * incidents, and streams them into a sink; wg_city_write() is the sink that writes files through
 * geo's writer, and wg_city_import() brings those files into a workspace through the importer.
 * Never holds all buildings or all incidents at once: one superblock's buildings, one day's
 * incidents. */
#include "wg/democity.h"

#include "wg/import.h"
#include "wg/vio.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define PI 3.14159265358979323846

/* ---- Random numbers ---------------------------------------------------------------------
 * xoshiro256** seeded through splitmix64. Every part of the city draws from its own stream,
 * derived from (seed, stream, index, attempt), so changing one part (say, how many incidents)
 * never shifts the buildings, and a superblock can be re-rolled on its own. */

typedef struct rng {
    uint64_t s[4];
} rng;

enum {
    ST_LAYOUT = 1,
    ST_NAMES,
    ST_SB_STREETS,
    ST_SB_PLAN,
    ST_CAMERAS,
    ST_WORKERS,
    ST_HOTSPOTS,
    ST_INCIDENTS
};

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static void rng_seed(rng *r, uint64_t seed, uint64_t stream, uint64_t index, uint64_t attempt)
{
    uint64_t x = seed;
    x = splitmix64(&x) ^ (stream * 0xD1B54A32D192ED03u);
    x = splitmix64(&x) ^ (index * 0x8CB92BA72F3D8DD7u);
    x = splitmix64(&x) ^ (attempt * 0xABC98388FB8FAC03u);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform in [0, 1). */
static double rng_unit(rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static double rng_range(rng *r, double a, double b)
{
    return a + (b - a) * rng_unit(r);
}

/* Uniform in [0, n) (n > 0); the bias of the multiply-shift is below 2^-32 for our n. */
static uint32_t rng_below(rng *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static bool rng_chance(rng *r, double p)
{
    return rng_unit(r) < p;
}

/* v rounded up or down at random, keeping its expectation. */
static int sround(rng *r, double v)
{
    double f = floor(v);
    return (int)f + (rng_unit(r) < v - f ? 1 : 0);
}

/* Standard normal (Box-Muller; one value per call keeps streams simple). */
static double rng_normal(rng *r)
{
    double u1 = 1.0 - rng_unit(r); /* (0, 1] */
    double u2 = rng_unit(r);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * PI * u2);
}

/* Index drawn from cumulative weights cum[0..n-1] (non-decreasing, cum[n-1] > 0). */
static size_t pick_cum(rng *r, const double *cum, size_t n)
{
    double u = rng_unit(r) * cum[n - 1];
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cum[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* ---- Name tables --------------------------------------------------------------------------- */

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Community names: first syllable x second syllable + 社区 ("枫林社区"). */
static const char *const COMM_A[] = {
    "枫", "桂", "梅", "兰", "竹", "松", "柏", "华", "新", "康", "乐", "和", "平", "安", "宁",
    "丰", "盛", "荣", "祥", "瑞", "福", "嘉", "兴", "永", "昌", "金", "玉", "翠", "春", "秋",
    "明", "光", "东", "南", "西", "北", "长", "宝", "仁", "德", "星", "云", "江", "湖", "海",
    "虹", "锦", "绿", "青", "凌", "龙", "凤", "景", "田", "石", "泉", "天", "文", "育", "振"};
static const char *const COMM_B[] = {"林", "苑", "园", "里", "坊", "城", "湾", "庭", "桥", "欣",
                                     "馨", "逸", "悦", "泰", "韵", "苗", "源", "洲", "岸", "峰",
                                     "岭", "滨", "港", "塘", "浜", "堂", "阁", "居", "邨", "汇",
                                     "茂", "晖", "丽", "霞", "溪", "枫", "梓", "杉", "榕", "樱"};
static const char *const ORDINAL[] = {"二", "三", "四", "五", "六", "七", "八", "九"};

/* Streets and towns (街道 / 镇): first + second syllables. */
static const char *const PARENT_A[] = {"徐", "田", "虹", "漕", "凌", "长", "华", "龙", "斜", "天",
                                       "康", "梅", "七", "莘", "江", "吴", "颛", "马", "古", "浦",
                                       "仙", "程", "周", "宜", "甘", "石", "曹", "真", "桃", "万",
                                       "彭", "临", "芷", "共", "大", "殷", "五", "四", "新", "金"};
static const char *const PARENT_B[] = {"家汇", "林", "梅", "河泾", "云", "桥", "泾",
                                       "华",   "土", "平", "健",   "陇", "宝", "庄",
                                       "川",   "湾", "美", "霞",   "泉", "浦"};

/* Main roads: north-south ones after provinces, east-west ones after cities (as in Shanghai). */
static const char *const PROVINCES[] = {
    "四川", "河南", "江西", "福建", "山东", "山西",   "浙江",   "湖北", "湖南", "广西",
    "广东", "云南", "贵州", "西藏", "新疆", "甘肃",   "陕西",   "宁夏", "青海", "辽宁",
    "吉林", "河北", "安徽", "江苏", "海南", "黑龙江", "内蒙古", "台湾", "重庆", "天津"};
static const char *const CITIES[] = {
    "南京", "北京", "汉口", "九江", "福州", "广州", "厦门", "宁波", "苏州", "杭州",
    "长沙", "武汉", "成都", "西安", "兰州", "昆明", "贵阳", "南昌", "合肥", "济南",
    "太原", "郑州", "沈阳", "长春", "大连", "青岛", "烟台", "无锡", "常州", "扬州",
    "镇江", "徐州", "温州", "绍兴", "嘉兴", "湖州", "南通", "泰州", "芜湖", "洛阳"};
static const char *const MINOR_SUFFIX[] = {"路", "支路", "街", "弄"};
static const char *const RIVERS[] = {"蒲汇塘", "张家浜", "淀浦河", "蕰藻浜",
                                     "桃浦河", "新泾港", "龙华港", "漕河泾港"};
static const char *const RAILS[] = {"沪杭铁路联络线", "金山铁路支线", "沪宁城际铁路", "浦东铁路"};

/* People: common surnames (the first 20 drawn more often) and given-name characters. */
static const char *const SURNAMES[] = {
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
    "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏",
    "韦", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "段", "雷", "侯", "龙", "史",
    "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "武", "戴", "莫", "孔", "汤"};
static const char *const GIVEN[] = {
    "伟", "芳", "娜", "秀", "英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰",
    "娟", "涛", "明", "超", "兰", "霞", "平", "刚", "桂", "华", "建", "国", "文", "玉", "珍",
    "红", "梅", "燕", "萍", "浩", "宇", "晨", "欣", "怡", "婷", "雪", "琳", "俊", "峰", "海",
    "波", "斌", "辉", "鹏", "飞", "凤", "春", "金", "荣", "德", "志", "林", "佳", "思", "嘉"};

/* ---- Incident categories ------------------------------------------------------------------- */

enum { CTX_COMPOUND, CTX_BUNGALOW, CTX_OPEN, NCTX };

static const wg_city_category CATEGORIES[] = {
    {"group_renting", "群租", 7},
    {"illegal_construction", "违法建筑", 15},
    {"unlicensed_business", "无证照经营", 10},
    {"illegal_medical", "非法行医", 10},
    {"underground_workshop", "地下加工点", 15},
    {"street_order", "占道经营", 1},
    {"sanitation", "环境卫生", 2},
    {"neighbour_dispute", "邻里纠纷", 5},
    {"elderly_care", "养老服务", 3},
    {"parking", "停车管理", 1},
    {"dogs", "养犬管理", 3},
};
#define NCAT COUNT(CATEGORIES)
enum {
    CAT_GROUP_RENTING,
    CAT_ILLEGAL_CONSTRUCTION,
    CAT_UNLICENSED,
    CAT_MEDICAL,
    CAT_WORKSHOP,
    CAT_STREET_ORDER,
    CAT_SANITATION,
    CAT_DISPUTE,
    CAT_ELDERLY,
    CAT_PARKING,
    CAT_DOGS
};

/* Relative frequency of each category where it happens: in a compound, in a bungalow area, in
 * open land (schools, parks, green belts). Bungalow areas carry the group renting, illegal
 * building and workshops; compounds the disputes, parking, dogs and elderly care. */
static const double CAT_WEIGHT[NCAT][NCTX] = {
    /* compound, bungalow, open */
    {5, 16, 0},    /* group_renting */
    {4, 12, 1},    /* illegal_construction */
    {6, 10, 4},    /* unlicensed_business */
    {1, 2, 0},     /* illegal_medical */
    {0.5, 4, 0.5}, /* underground_workshop */
    {8, 12, 14},   /* street_order */
    {14, 16, 20},  /* sanitation */
    {14, 8, 0},    /* neighbour_dispute */
    {8, 6, 0},     /* elderly_care */
    {18, 6, 10},   /* parking */
    {7, 3, 3},     /* dogs */
};
/* Categories that happen in the street (the point goes into the street beside a block) and
 * that cameras see. */
static bool cat_in_street(size_t cat)
{
    return cat == CAT_STREET_ORDER || cat == CAT_PARKING;
}
static bool cat_seen_by_camera(size_t cat)
{
    return cat == CAT_STREET_ORDER || cat == CAT_PARKING || cat == CAT_SANITATION;
}

const wg_city_category *wg_city_categories(size_t *n)
{
    *n = NCAT;
    return CATEGORIES;
}

enum { SRC_PATROL, SRC_HOTLINE, SRC_CAMERA };
static const char *const SOURCES[] = {"patrol", "hotline", "camera"};

/* When in the day cases are reported, per source (relative weight of each hour). Patrols work
 * office hours, the 12345 hotline peaks in the morning and the evening, cameras all day. */
static const double HOUR_WEIGHT[3][24] = {
    {0, 0, 0, 0, 0, 0, 0.2, 1, 6, 10, 10, 8, 3, 5, 9, 10, 9, 6, 2, 1, 0.5, 0.2, 0, 0},
    {0.5, 0.3, 0.2, 0.2, 0.2, 0.5, 1, 3, 7, 9, 9, 8, 6, 6, 7, 7, 7, 7, 7, 8, 8, 6, 3, 1},
    {1, 0.8, 0.6, 0.5, 0.5, 0.8, 2, 4, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 5, 4, 3, 2, 1.5},
};

/* ---- City layout constants ----------------------------------------------------------------- */

#define ORIGIN_X 500000.0 /* EPSG:4549 false easting: the central meridian 120E */
#define ORIGIN_Y 3450000.0
#define MAIN_HW 20.0 /* half width of a main road (a 40 m boulevard) */
#define MINOR_HW 8.0 /* half width of a minor street */
#define RIVER_MARGIN 40.0
#define RAIL_MARGIN 25.0
#define SB_MAX 8 /* blocks per superblock side, at most */
#define SB_BLOCKS (SB_MAX * SB_MAX)
#define MAIN_MAX 48 /* main road lines per direction, at most */
#define COMM_MIN 1000
#define COMM_MAX 5000
#define COMPOUND_MIN 100
#define COMPOUND_MAX 2000
#define HIGHRISE_MIN 30
#define HIGHRISE_MAX 400
#define BUNGALOW_BLOCK_MAX 2400
#define PLAN_ATTEMPTS 8
#define T_2025 1735660800LL /* 2025-01-01T00:00:00+08:00 */
#define T_2026 (T_2025 + 365LL * 86400)

typedef struct scale_cfg {
    const char *name;
    int nsx, nsy;     /* superblocks west-east and south-north */
    size_t incidents; /* over 2025 */
    int hotspots;
} scale_cfg;

static const scale_cfg SCALES[] = {
    {"small", 4, 3, 20000, 4},
    {"medium", 10, 10, 1000000, 12},
    {"large", 30, 30, 10000000, 48},
};

const char *wg_city_scale_name(wg_city_scale scale)
{
    if ((unsigned)scale < COUNT(SCALES))
        return SCALES[scale].name;
    return "unknown";
}

wg_status wg_city_scale_parse(wg_ctx *ctx, const char *text, wg_city_scale *out)
{
    for (size_t i = 0; text && i < COUNT(SCALES); i++) {
        if (strcasecmp(text, SCALES[i].name) == 0) {
            *out = (wg_city_scale)i;
            return WG_OK;
        }
    }
    return wg_fail(ctx, WG_EINPUT, "unknown city scale \"%s\" (expected small, medium or large)",
                   text ? text : "(null)");
}

/* ---- Geometry helpers ---------------------------------------------------------------------- */

typedef struct rect {
    double x0, y0, x1, y1;
} rect;

static double round_dm(double v)
{
    return round(v * 10.0) / 10.0;
}

static void rect_ring(rect r, double ring[10])
{
    const double xy[10] = {r.x0, r.y0, r.x1, r.y0, r.x1, r.y1, r.x0, r.y1, r.x0, r.y0};
    memcpy(ring, xy, sizeof xy);
}

/* Whether segment a-b meets rectangle r (Liang-Barsky clipping). */
static bool seg_meets_rect(double ax, double ay, double bx, double by, rect r)
{
    double dx = bx - ax, dy = by - ay;
    const double p[4] = {-dx, dx, -dy, dy};
    const double q[4] = {ax - r.x0, r.x1 - ax, ay - r.y0, r.y1 - ay};
    double t0 = 0.0, t1 = 1.0;
    for (int i = 0; i < 4; i++) {
        if (p[i] == 0.0) {
            if (q[i] < 0.0)
                return false;
            continue;
        }
        double t = q[i] / p[i];
        if (p[i] < 0.0) {
            if (t > t0)
                t0 = t;
        } else if (t < t1) {
            t1 = t;
        }
        if (t0 > t1)
            return false;
    }
    return true;
}

/* Whether polyline xy (n points) comes within `margin` of r (measured on the axes, which is
 * slightly generous at the corners: more blocks stay green, none gets wet). */
static bool polyline_near(const double *xy, size_t n, rect r, double margin)
{
    rect e = {r.x0 - margin, r.y0 - margin, r.x1 + margin, r.y1 + margin};
    for (size_t i = 0; i + 1 < n; i++) {
        if (seg_meets_rect(xy[2 * i], xy[2 * i + 1], xy[2 * i + 2], xy[2 * i + 3], e))
            return true;
    }
    return false;
}

/* ---- The city ------------------------------------------------------------------------------ */

enum { BK_COMPOUND, BK_BUNGALOW, BK_OPEN, BK_CORRIDOR };

typedef struct bld {
    rect r;
    int32_t hh;
} bld;

/* What the incidents need to know of every block: kept for the whole city (some thousands). */
typedef struct blockrec {
    rect block, parcel;
    int32_t hh;
    uint8_t kind;
} blockrec;

typedef struct region { /* rows [r0, r1) x columns [c0, c1) of a superblock's blocks */
    int r0, r1, c0, c1;
    int32_t hh;
} region;

typedef struct sbplan {
    int si, sj;
    int nc, nr;            /* blocks west-east, south-north */
    double xs[SB_MAX + 1]; /* street centre lines; xs[0], xs[nc] are main roads */
    double ys[SB_MAX + 1];
    uint8_t kind[SB_BLOCKS]; /* block r * nc + c */
    int32_t hh[SB_BLOCKS];
    size_t first[SB_BLOCKS + 1]; /* buildings of block b: bl[first[b] .. first[b+1]) */
    region comm[SB_BLOCKS];
    int ncomm;
} sbplan;

typedef struct city {
    wg_ctx *ctx;
    const wg_city_sink *sink;
    const scale_cfg *cfg;
    uint64_t seed;
    wg_city_stats st;
    int nsx, nsy;
    double mx[MAIN_MAX + 1], my[MAIN_MAX + 1]; /* main road centre lines */
    rect ext;
    size_t name_off_ns, name_off_ew, name_off_comm, name_off_parent;
    double *river;
    size_t nriver;
    double rail[6];
    size_t nrail;
    const char *river_name, *rail_name;
    blockrec *blocks;
    size_t nblocks, capblocks;
    bld *bl; /* the current superblock's buildings */
    size_t nbl, capbl;
    size_t ncomm_total; /* communities emitted so far */
} city;

static void fmt_id(char *buf, size_t size, const char *prefix, size_t n, int width)
{
    snprintf(buf, size, "%s%0*zu", prefix, width, n);
}

/* A main road's name: provinces for north-south lines, cities for east-west ones; beyond the
 * table, the same names again with 新 in front. */
static void main_road_name(const city *c, bool ns, size_t k, char *buf, size_t size)
{
    const char *const *t = ns ? PROVINCES : CITIES;
    size_t n = ns ? COUNT(PROVINCES) : COUNT(CITIES);
    size_t i = k + (ns ? c->name_off_ns : c->name_off_ew);
    snprintf(buf, size, "%s%s路", k >= n ? "新" : "", t[i % n]);
}

static void community_name(const city *c, size_t k, char *buf, size_t size)
{
    size_t n = COUNT(COMM_A) * COUNT(COMM_B);
    /* 7919 is prime and does not divide n, so k -> idx is a permutation of [0, n). */
    size_t idx = (k * 7919u + c->name_off_comm) % n;
    size_t round_ = k / n;
    snprintf(buf, size, "%s%s%s社区", COMM_A[idx / COUNT(COMM_B)], COMM_B[idx % COUNT(COMM_B)],
             round_ == 0 ? "" : ORDINAL[(round_ - 1) % COUNT(ORDINAL)]);
}

/* The street or town of superblock (si, sj): groups of 3 x 3 superblocks (~80 k households);
 * those near the centre are 街道, the outer ones 镇. */
static void parent_name(const city *c, int si, int sj, char *buf, size_t size)
{
    int gx = si / 3, gy = sj / 3, ngx = (c->nsx + 2) / 3, ngy = (c->nsy + 2) / 3;
    size_t k = (size_t)gy * (size_t)ngx + (size_t)gx;
    size_t n = COUNT(PARENT_A) * COUNT(PARENT_B);
    size_t idx = (k * 7919u + c->name_off_parent) % n;
    double dx = (gx + 0.5) / ngx - 0.5, dy = (gy + 0.5) / ngy - 0.5;
    bool inner = ngx * ngy <= 4 || dx * dx + dy * dy < 0.09;
    snprintf(buf, size, "%s%s%s", PARENT_A[idx / COUNT(PARENT_B)], PARENT_B[idx % COUNT(PARENT_B)],
             inner ? "街道" : "镇");
}

static void person_name(rng *r, char *buf, size_t size)
{
    uint32_t s = rng_chance(r, 0.5) ? rng_below(r, 20) : rng_below(r, (uint32_t)COUNT(SURNAMES));
    const char *g1 = GIVEN[rng_below(r, (uint32_t)COUNT(GIVEN))];
    const char *g2 = rng_chance(r, 0.7) ? GIVEN[rng_below(r, (uint32_t)COUNT(GIVEN))] : "";
    snprintf(buf, size, "%s%s%s", SURNAMES[s], g1, g2);
}

/* Main roads, the river and the railway. */
static wg_status lay_out(city *c)
{
    rng r;
    rng_seed(&r, c->seed, ST_LAYOUT, 0, 0);
    c->mx[0] = round(ORIGIN_X + rng_range(&r, 0, 400));
    c->my[0] = round(ORIGIN_Y + rng_range(&r, 0, 400));
    for (int i = 0; i < c->nsx; i++)
        c->mx[i + 1] = c->mx[i] + round(rng_range(&r, 600, 900));
    for (int j = 0; j < c->nsy; j++)
        c->my[j + 1] = c->my[j] + round(rng_range(&r, 600, 900));
    c->ext = (rect){c->mx[0], c->my[0], c->mx[c->nsx], c->my[c->nsy]};
    double w = c->ext.x1 - c->ext.x0, h = c->ext.y1 - c->ext.y0;

    /* The river runs west to east and meanders: two sines. */
    double yc = c->ext.y0 + h * rng_range(&r, 0.3, 0.7);
    double a1 = fmin(h * rng_range(&r, 0.05, 0.1), 450.0), l1 = rng_range(&r, 2500, 5000);
    double a2 = a1 * 0.35, l2 = l1 * rng_range(&r, 0.3, 0.45);
    double p1 = rng_range(&r, 0, 2 * PI), p2 = rng_range(&r, 0, 2 * PI);
    double xa = c->ext.x0 - 300, xb = c->ext.x1 + 300, step = 40.0;
    size_t n = (size_t)ceil((xb - xa) / step) + 1;
    c->river = malloc(2 * n * sizeof *c->river);
    if (!c->river)
        return wg_fail(c->ctx, WG_ENOMEM, "out of memory for a river of %zu points", n);
    for (size_t i = 0; i < n; i++) {
        double x = i + 1 == n ? xb : xa + step * (double)i;
        double y =
            yc + a1 * sin(2 * PI * (x - xa) / l1 + p1) + a2 * sin(2 * PI * (x - xa) / l2 + p2);
        c->river[2 * i] = round_dm(x);
        c->river[2 * i + 1] = round_dm(y);
    }
    c->nriver = n;

    /* The railway crosses south to north, slanting, with one gentle bend. */
    double rx0 = c->ext.x0 + w * rng_range(&r, 0.15, 0.85);
    double rx2 = c->ext.x0 + w * rng_range(&r, 0.15, 0.85);
    double rx1 = (rx0 + rx2) / 2 + w * rng_range(&r, -0.08, 0.08);
    const double rail[6] = {round_dm(rx0), c->ext.y0 - 300,
                            round_dm(rx1), round_dm(c->ext.y0 + h / 2),
                            round_dm(rx2), c->ext.y1 + 300};
    memcpy(c->rail, rail, sizeof rail);
    c->nrail = 3;

    rng nr;
    rng_seed(&nr, c->seed, ST_NAMES, 0, 0);
    c->name_off_ns = rng_below(&nr, (uint32_t)COUNT(PROVINCES));
    c->name_off_ew = rng_below(&nr, (uint32_t)COUNT(CITIES));
    c->name_off_comm = rng_below(&nr, (uint32_t)(COUNT(COMM_A) * COUNT(COMM_B)));
    c->name_off_parent = rng_below(&nr, (uint32_t)(COUNT(PARENT_A) * COUNT(PARENT_B)));
    c->river_name = RIVERS[rng_below(&nr, (uint32_t)COUNT(RIVERS))];
    c->rail_name = RAILS[rng_below(&nr, (uint32_t)COUNT(RAILS))];
    return WG_OK;
}

/* Minor street positions of superblock (si, sj): the same in every planning attempt. */
static void sb_streets(const city *c, int si, int sj, sbplan *p, rng *r)
{
    rng_seed(r, c->seed, ST_SB_STREETS, (uint64_t)sj * MAIN_MAX + (uint64_t)si, 0);
    p->si = si;
    p->sj = sj;
    double a[2] = {c->mx[si], c->my[sj]}, b[2] = {c->mx[si + 1], c->my[sj + 1]};
    int *count[2] = {&p->nc, &p->nr};
    double *lines[2] = {p->xs, p->ys};
    for (int d = 0; d < 2; d++) {
        double len = b[d] - a[d];
        int nb = (int)lround(len / rng_range(r, 160, 240));
        if (nb < 2)
            nb = 2;
        if (nb > SB_MAX)
            nb = SB_MAX;
        double sp = len / nb;
        lines[d][0] = a[d];
        for (int k = 1; k < nb; k++)
            lines[d][k] = round(a[d] + sp * (k + rng_range(r, -0.15, 0.15)));
        lines[d][nb] = b[d];
        *count[d] = nb;
    }
}

static rect block_parcel(const sbplan *p, int row, int col)
{
    return (rect){p->xs[col], p->ys[row], p->xs[col + 1], p->ys[row + 1]};
}

/* The land of a block: its parcel less the half widths of the streets around it. */
static rect block_rect(const sbplan *p, int row, int col)
{
    rect q = block_parcel(p, row, col);
    q.x0 += col == 0 ? MAIN_HW : MINOR_HW;
    q.x1 -= col == p->nc - 1 ? MAIN_HW : MINOR_HW;
    q.y0 += row == 0 ? MAIN_HW : MINOR_HW;
    q.y1 -= row == p->nr - 1 ? MAIN_HW : MINOR_HW;
    return q;
}

static wg_status push_bld(city *c, rect r, int32_t hh)
{
    wg_status st = wg_grow(c->ctx, (void **)&c->bl, &c->capbl, c->nbl + 1, sizeof *c->bl);
    if (st != WG_OK)
        return st;
    c->bl[c->nbl++] = (bld){{round_dm(r.x0), round_dm(r.y0), round_dm(r.x1), round_dm(r.y1)}, hh};
    return WG_OK;
}

/* Brings a compound's households (buildings bl[from..]) into [COMPOUND_MIN, COMPOUND_MAX] by
 * scaling floors, keeping every building in [HIGHRISE_MIN, HIGHRISE_MAX]; drops buildings
 * from the end when even that is too many. Returns the total. */
static int32_t fit_compound(city *c, size_t from)
{
    int64_t total = 0;
    for (size_t i = from; i < c->nbl; i++)
        total += c->bl[i].hh;
    if (total > COMPOUND_MAX || (total > 0 && total < COMPOUND_MIN)) {
        double k = (total > COMPOUND_MAX ? COMPOUND_MAX - 20 : COMPOUND_MIN + 20) / (double)total;
        total = 0;
        for (size_t i = from; i < c->nbl; i++) {
            int32_t v = (int32_t)(c->bl[i].hh * k);
            v = v < HIGHRISE_MIN ? HIGHRISE_MIN : v > HIGHRISE_MAX ? HIGHRISE_MAX : v;
            c->bl[i].hh = v;
            total += v;
        }
    }
    while (total > COMPOUND_MAX && c->nbl > from + 1)
        total -= c->bl[--c->nbl].hh;
    return (int32_t)total;
}

/* A compound (小区) of high-rise buildings inside `in`: rows of south-facing slabs with
 * sunlight spacing between rows, or a grid of point towers. */
static wg_status gen_compound(city *c, rng *r, rect in, int32_t *hh)
{
    size_t from = c->nbl;
    double w = in.x1 - in.x0, h = in.y1 - in.y0;
    bool slabs = rng_chance(r, 0.6);
    double bw, bh, gx, gy;
    int floors_lo, floors_hi;
    if (slabs) {
        bh = rng_range(r, 12, 16);
        bw = rng_range(r, 36, 72);
        gx = rng_range(r, 10, 18);
        gy = rng_range(r, 20, 32); /* sunlight spacing between rows */
        bool walkup = rng_chance(r, 0.45);
        floors_lo = walkup ? 5 : 11;
        floors_hi = walkup ? 7 : 18;
        if (bw > w)
            bw = w;
    } else {
        bw = bh = rng_range(r, 20, 28);
        gx = gy = rng_range(r, 20, 36);
        floors_lo = 18;
        floors_hi = 33;
    }
    int ncol = bw >= 20 ? (int)((w + gx) / (bw + gx)) : 0;
    int nrow = (int)((h + gy) / (bh + gy));
    double ox = in.x0 + (w - (ncol * bw + (ncol - 1) * gx)) / 2;
    double oy = in.y0 + (h - (nrow * bh + (nrow - 1) * gy)) / 2;
    double per_unit = rng_range(r, 85, 110); /* m2 of floor per household, gross */
    wg_status st = WG_OK;
    for (int i = 0; i < nrow && st == WG_OK; i++) {
        for (int j = 0; j < ncol && st == WG_OK; j++) {
            if (c->nbl - from >= 60 || (c->nbl > from && rng_chance(r, 0.06)))
                continue; /* a gap for a garden or a club house */
            rect b = {ox + j * (bw + gx), oy + i * (bh + gy), 0, 0};
            b.x1 = b.x0 + bw;
            b.y1 = b.y0 + bh;
            int floors = floors_lo + (int)rng_below(r, (uint32_t)(floors_hi - floors_lo + 1));
            double per_floor = fmax(1.0, round(bw * bh * 0.78 / per_unit));
            int32_t v = (int32_t)(per_floor * floors);
            v = v < HIGHRISE_MIN ? HIGHRISE_MIN : v > HIGHRISE_MAX ? HIGHRISE_MAX : v;
            st = push_bld(c, b, v);
        }
    }
    if (st == WG_OK)
        *hh = fit_compound(c, from);
    return st;
}

/* A bungalow (平房) area inside `in`: rows of small one- or two-storey houses along lanes. */
static wg_status gen_bungalow(city *c, rng *r, rect in, int32_t *hh)
{
    wg_status st = WG_OK;
    int32_t total = 0;
    double y = in.y0;
    for (;;) {
        double depth = rng_range(r, 7, 11);
        if (y + depth > in.y1)
            break;
        double x = in.x0;
        for (;;) {
            double bw = rng_range(r, 5, 11);
            if (x + bw > in.x1) {
                bw = in.x1 - x;
                if (bw < 4)
                    break;
            }
            if (!rng_chance(r, 0.07)) { /* else a yard */
                double floors = rng_chance(r, 0.35) ? 2 : 1;
                int32_t v = (int32_t)(bw * depth * floors / rng_range(r, 28, 45));
                v = v < 1 ? 1 : v > 10 ? 10 : v;
                if (total + v > BUNGALOW_BLOCK_MAX)
                    break;
                st = push_bld(c, (rect){x, y, x + bw, y + depth}, v);
                if (st != WG_OK)
                    return st;
                total += v;
            }
            x += bw + rng_range(r, 1.2, 2.5);
        }
        y += depth + rng_range(r, 2.5, 4.5); /* the lane */
    }
    *hh = total;
    return st;
}

static int32_t region_hh(const sbplan *p, int r0, int r1, int c0, int c1)
{
    int32_t s = 0;
    for (int i = r0; i < r1; i++)
        for (int j = c0; j < c1; j++)
            s += p->hh[i * p->nc + j];
    return s;
}

/* Cuts a region of blocks into communities by straight cuts (so each is a rectangle of
 * parcels), each with COMM_MIN..COMM_MAX households; splits regions above a random size in
 * 2,800-5,000 at the most balanced cut. False when no such cutting exists. */
static bool partition(sbplan *p, rng *r, int r0, int r1, int c0, int c1)
{
    int32_t total = region_hh(p, r0, r1, c0, c1);
    double split_at = rng_range(r, 2800, COMM_MAX);
    int best_dir = -1, best_k = 0;
    int32_t best_diff = INT32_MAX;
    if (total > split_at) {
        for (int k = r0 + 1; k < r1; k++) {
            int32_t a = region_hh(p, r0, k, c0, c1), b = total - a;
            if (a >= COMM_MIN && b >= COMM_MIN && abs(a - b) < best_diff) {
                best_diff = abs(a - b);
                best_dir = 0;
                best_k = k;
            }
        }
        for (int k = c0 + 1; k < c1; k++) {
            int32_t a = region_hh(p, r0, r1, c0, k), b = total - a;
            if (a >= COMM_MIN && b >= COMM_MIN && abs(a - b) < best_diff) {
                best_diff = abs(a - b);
                best_dir = 1;
                best_k = k;
            }
        }
    }
    if (best_dir < 0) {
        if (total < COMM_MIN || total > COMM_MAX)
            return false;
        p->comm[p->ncomm++] = (region){r0, r1, c0, c1, total};
        return true;
    }
    if (best_dir == 0)
        return partition(p, r, r0, best_k, c0, c1) && partition(p, r, best_k, r1, c0, c1);
    return partition(p, r, r0, r1, c0, best_k) && partition(p, r, r0, r1, best_k, c1);
}

/* One attempt at the blocks of a superblock: kinds, buildings, communities. *ok is false when
 * the households cannot be cut into communities of the allowed size. */
static wg_status sb_attempt(city *c, sbplan *p, int attempt, bool *ok)
{
    rng r;
    rng_seed(&r, c->seed, ST_SB_PLAN, (uint64_t)p->sj * MAIN_MAX + (uint64_t)p->si,
             (uint64_t)attempt);
    /* Old bungalow quarters cluster near the centre; compounds everywhere else. */
    double cx = (c->mx[p->si] + c->mx[p->si + 1]) / 2, cy = (c->my[p->sj] + c->my[p->sj + 1]) / 2;
    double dx = (cx - (c->ext.x0 + c->ext.x1) / 2) / (c->ext.x1 - c->ext.x0);
    double dy = (cy - (c->ext.y0 + c->ext.y1) / 2) / (c->ext.y1 - c->ext.y0);
    double core = exp(-(dx * dx + dy * dy) / 0.08);
    double p_open = 0.10 * pow(0.5, attempt), p_bungalow = 0.09 + 0.3 * core;
    /* Shares rather than independent draws: the number of each kind is the expected one
     * (rounded at random), so the city's size varies little from seed to seed. */
    int nb = p->nr * p->nc;
    int n_open = sround(&r, p_open * nb), n_bung = sround(&r, p_bungalow * nb);
    for (int b = 0; b < nb; b++)
        p->kind[b] = b < n_open ? BK_OPEN : b < n_open + n_bung ? BK_BUNGALOW : BK_COMPOUND;
    for (int b = nb - 1; b > 0; b--) {
        int o = (int)rng_below(&r, (uint32_t)b + 1);
        uint8_t t = p->kind[b];
        p->kind[b] = p->kind[o];
        p->kind[o] = t;
    }
    c->nbl = 0;
    p->ncomm = 0;
    wg_status st = WG_OK;
    for (int row = 0; row < p->nr && st == WG_OK; row++) {
        for (int col = 0; col < p->nc && st == WG_OK; col++) {
            int b = row * p->nc + col;
            rect blk = block_rect(p, row, col);
            uint8_t kind = p->kind[b];
            if (polyline_near(c->river, c->nriver, blk, RIVER_MARGIN) ||
                polyline_near(c->rail, c->nrail, blk, RAIL_MARGIN))
                kind = BK_CORRIDOR;
            p->first[b] = c->nbl;
            p->hh[b] = 0;
            if (kind == BK_COMPOUND) {
                double sb = rng_range(&r, 6, 12);
                st = gen_compound(c, &r, (rect){blk.x0 + sb, blk.y0 + sb, blk.x1 - sb, blk.y1 - sb},
                                  &p->hh[b]);
            } else if (kind == BK_BUNGALOW) {
                double sb = rng_range(&r, 2, 4);
                st = gen_bungalow(c, &r, (rect){blk.x0 + sb, blk.y0 + sb, blk.x1 - sb, blk.y1 - sb},
                                  &p->hh[b]);
            }
            if (st == WG_OK && (kind == BK_COMPOUND || kind == BK_BUNGALOW) && p->hh[b] == 0) {
                c->nbl = p->first[b]; /* nothing fitted: a pocket park */
                kind = BK_OPEN;
            }
            p->kind[b] = kind;
        }
    }
    p->first[p->nr * p->nc] = c->nbl;
    if (st == WG_OK)
        *ok = partition(p, &r, 0, p->nr, 0, p->nc);
    return st;
}

/* ---- Emitting ------------------------------------------------------------------------------ */

static wg_status emit_line(city *c, bool barrier, const char *id, const char *name,
                           const char *kind, const double *xy, size_t n)
{
    wg_city_line l = {id, name, kind, xy, n};
    if (barrier) {
        c->st.barriers++;
        return c->sink->on_barrier ? c->sink->on_barrier(c->ctx, c->sink->user, &l) : WG_OK;
    }
    c->st.streets++;
    return c->sink->on_street ? c->sink->on_street(c->ctx, c->sink->user, &l) : WG_OK;
}

/* Main roads as streets (barrier false) or as barriers of kind road (barrier true). */
static wg_status emit_main_roads(city *c, bool barrier)
{
    wg_status st = WG_OK;
    char id[32], name[64];
    for (int d = 0; d < 2 && st == WG_OK; d++) {
        int n = d == 0 ? c->nsx : c->nsy;
        for (int k = 0; k <= n && st == WG_OK; k++) {
            double xy[4];
            if (d == 0) {
                const double v[4] = {c->mx[k], c->ext.y0, c->mx[k], c->ext.y1};
                memcpy(xy, v, sizeof v);
            } else {
                const double v[4] = {c->ext.x0, c->my[k], c->ext.x1, c->my[k]};
                memcpy(xy, v, sizeof v);
            }
            main_road_name(c, d == 0, (size_t)k, name, sizeof name);
            if (barrier)
                fmt_id(id, sizeof id, "BR", c->st.barriers + 1, 4);
            else
                fmt_id(id, sizeof id, "S", c->st.streets + 1, 6);
            st = emit_line(c, barrier, id, name, barrier ? "road" : "main", xy, 2);
        }
    }
    return st;
}

static wg_status emit_streets_and_barriers(city *c)
{
    wg_status st = emit_main_roads(c, false);
    char id[32], name[64];
    sbplan p;
    rng r;
    for (int sj = 0; sj < c->nsy && st == WG_OK; sj++) {
        for (int si = 0; si < c->nsx && st == WG_OK; si++) {
            sb_streets(c, si, sj, &p, &r);
            for (int d = 0; d < 2 && st == WG_OK; d++) {
                int n = d == 0 ? p.nc : p.nr;
                for (int k = 1; k < n && st == WG_OK; k++) {
                    double xy[4];
                    if (d == 0) {
                        const double v[4] = {p.xs[k], p.ys[0], p.xs[k], p.ys[p.nr]};
                        memcpy(xy, v, sizeof v);
                    } else {
                        const double v[4] = {p.xs[0], p.ys[k], p.xs[p.nc], p.ys[k]};
                        memcpy(xy, v, sizeof v);
                    }
                    snprintf(name, sizeof name, "%s%s%s",
                             COMM_A[rng_below(&r, (uint32_t)COUNT(COMM_A))],
                             COMM_B[rng_below(&r, (uint32_t)COUNT(COMM_B))],
                             MINOR_SUFFIX[rng_below(&r, (uint32_t)COUNT(MINOR_SUFFIX))]);
                    fmt_id(id, sizeof id, "S", c->st.streets + 1, 6);
                    st = emit_line(c, false, id, name, "minor", xy, 2);
                }
            }
        }
    }
    if (st == WG_OK)
        st = emit_main_roads(c, true);
    if (st == WG_OK) {
        fmt_id(id, sizeof id, "BR", c->st.barriers + 1, 4);
        st = emit_line(c, true, id, c->river_name, "river", c->river, c->nriver);
    }
    if (st == WG_OK) {
        fmt_id(id, sizeof id, "BR", c->st.barriers + 1, 4);
        st = emit_line(c, true, id, c->rail_name, "rail", c->rail, c->nrail);
    }
    return st;
}

/* The workers of one community: two to five officials, a police officer per ~1,500
 * households, and one or two grid workers per ~250 households. */
static wg_status emit_workers(city *c, const char *comm_id, int32_t hh)
{
    rng r;
    rng_seed(&r, c->seed, ST_WORKERS, c->ncomm_total, 0);
    int officials = 2 + (int)rng_below(&r, 4);
    int police = (hh + 750) / 1500 > 0 ? (hh + 750) / 1500 : 1;
    int grids = (hh + 249) / 250;
    int total = officials + police;
    for (int g = 0; g < grids; g++)
        total += rng_chance(&r, 0.4) ? 2 : 1;
    wg_status st = WG_OK;
    char id[32], name[32];
    for (int k = 0; k < total && st == WG_OK; k++) {
        const char *role = k < officials            ? "official"
                           : k < officials + police ? "police"
                                                    : "grid_worker";
        fmt_id(id, sizeof id, "W", c->st.workers + 1, 6);
        person_name(&r, name, sizeof name);
        wg_city_worker w = {id, name, role, comm_id};
        c->st.workers++;
        if (c->sink->on_worker)
            st = c->sink->on_worker(c->ctx, c->sink->user, &w);
    }
    return st;
}

static wg_status emit_camera(city *c, const char *kind, double x, double y, double heading,
                             double fov, double range, double height)
{
    char id[32];
    fmt_id(id, sizeof id, "CAM", c->st.cameras + 1, 5);
    wg_city_camera cam = {.id = id,
                          .kind = kind,
                          .x = round_dm(x),
                          .y = round_dm(y),
                          .heading_deg = fmod(round(heading), 360.0),
                          .fov_deg = round(fov),
                          .range_m = round(range),
                          .height_m = round_dm(height)};
    c->st.cameras++;
    return c->sink->on_camera ? c->sink->on_camera(c->ctx, c->sink->user, &cam) : WG_OK;
}

/* Cameras at intersection (a, b) of the superblock's street lines. */
static wg_status cameras_at(city *c, const sbplan *p, rng *r, int a, int b)
{
    bool main_v = a == 0 || a == p->nc, main_h = b == 0 || b == p->nr;
    double x = p->xs[a], y = p->ys[b];
    /* Arms of the crossing: north, east, south, west. */
    const bool arm[4] = {
        main_v ? y < c->ext.y1 - 1 : b < p->nr, /* north */
        main_h ? x < c->ext.x1 - 1 : a < p->nc, /* east */
        main_v ? y > c->ext.y0 + 1 : b > 0,     /* south */
        main_h ? x > c->ext.x0 + 1 : a > 0,     /* west */
    };
    double hw_v = main_v ? MAIN_HW : MINOR_HW, hw_h = main_h ? MAIN_HW : MINOR_HW;
    double p_fixed = main_v && main_h ? 0.8 : main_v || main_h ? 0.35 : 0.2;
    int nfixed = rng_chance(r, p_fixed) ? (main_v && main_h && rng_chance(r, 0.5) ? 2 : 1) : 0;
    wg_status st = WG_OK;
    for (int k = 0; k < nfixed && st == WG_OK; k++) {
        double sx = rng_chance(r, 0.5) ? 1 : -1, sy = rng_chance(r, 0.5) ? 1 : -1;
        int d = (int)rng_below(r, 4);
        while (!arm[d])
            d = (d + 1) % 4;
        double heading = fmod(90.0 * d + rng_range(r, -10, 10) + 360.0, 360.0);
        st = emit_camera(c, "fixed", x + sx * (hw_v + 2), y + sy * (hw_h + 2), heading,
                         rng_range(r, 60, 120), rng_range(r, 30, 100), rng_range(r, 3, 6));
    }
    if (st == WG_OK && rng_chance(r, main_v || main_h ? 0.06 : 0.04)) {
        double sx = rng_chance(r, 0.5) ? 1 : -1, sy = rng_chance(r, 0.5) ? 1 : -1;
        st = emit_camera(c, "dome", x + sx * (hw_v + 1), y + sy * (hw_h + 1), 0, 360, 50,
                         rng_range(r, 3, 6));
    }
    return st;
}

/* Fixed cameras and domes at the superblock's intersections (a main-road corner belongs to
 * the superblock north-east of it, so none is visited twice), and maybe one high-mounted
 * camera on the roof of a compound's biggest building. */
static wg_status emit_cameras(city *c, const sbplan *p)
{
    rng r;
    rng_seed(&r, c->seed, ST_CAMERAS, (uint64_t)p->sj * MAIN_MAX + (uint64_t)p->si, 0);
    wg_status st = WG_OK;
    for (int b = 0; b <= p->nr && st == WG_OK; b++) {
        for (int a = 0; a <= p->nc && st == WG_OK; a++) {
            bool corner = (a == 0 || a == p->nc) && (b == 0 || b == p->nr);
            bool mine = (a == 0 || p->si == c->nsx - 1) && (b == 0 || p->sj == c->nsy - 1);
            if (!corner || mine)
                st = cameras_at(c, p, &r, a, b);
        }
    }
    if (st != WG_OK || !rng_chance(&r, 0.45))
        return st;
    const bld *top = NULL;
    for (int b = 0; b < p->nr * p->nc; b++) {
        if (p->kind[b] != BK_COMPOUND)
            continue;
        for (size_t i = p->first[b]; i < p->first[b + 1]; i++)
            if (!top || c->bl[i].hh > top->hh)
                top = &c->bl[i];
    }
    if (!top)
        return WG_OK;
    return emit_camera(c, "high", (top->r.x0 + top->r.x1) / 2, (top->r.y0 + top->r.y1) / 2, 0, 360,
                       rng_range(&r, 200, 400), rng_range(&r, 30, 80));
}

static wg_status emit_superblock(city *c, const sbplan *p)
{
    char comm_ids[SB_BLOCKS][16], name[64], parent[64], id[32], cp[32];
    int comm_of[SB_BLOCKS];
    wg_status st = WG_OK;
    parent_name(c, p->si, p->sj, parent, sizeof parent);
    for (int k = 0; k < p->ncomm && st == WG_OK; k++) {
        const region *g = &p->comm[k];
        for (int i = g->r0; i < g->r1; i++)
            for (int j = g->c0; j < g->c1; j++)
                comm_of[i * p->nc + j] = k;
        fmt_id(comm_ids[k], sizeof comm_ids[k], "C", c->ncomm_total + 1, 5);
        community_name(c, c->ncomm_total, name, sizeof name);
        double ring[10];
        rect_ring((rect){p->xs[g->c0], p->ys[g->r0], p->xs[g->c1], p->ys[g->r1]}, ring);
        wg_city_community cm = {comm_ids[k], name, parent, g->hh, ring, 5};
        c->st.communities++;
        if (c->sink->on_community)
            st = c->sink->on_community(c->ctx, c->sink->user, &cm);
        if (st == WG_OK)
            st = emit_workers(c, comm_ids[k], g->hh);
        c->ncomm_total++;
    }
    for (int b = 0; b < p->nr * p->nc && st == WG_OK; b++) {
        bool compound = p->kind[b] == BK_COMPOUND;
        if (p->first[b] == p->first[b + 1])
            continue;
        if (compound) {
            c->st.compounds++;
            fmt_id(cp, sizeof cp, "CP", c->st.compounds, 6);
        }
        for (size_t i = p->first[b]; i < p->first[b + 1] && st == WG_OK; i++) {
            double ring[10];
            rect_ring(c->bl[i].r, ring);
            fmt_id(id, sizeof id, "B", c->st.buildings + 1, 7);
            wg_city_building bd = {
                id, c->bl[i].hh, compound ? cp : NULL, comm_ids[comm_of[b]], ring, 5};
            c->st.buildings++;
            c->st.bungalows += !compound;
            c->st.households += c->bl[i].hh;
            if (c->sink->on_building)
                st = c->sink->on_building(c->ctx, c->sink->user, &bd);
        }
    }
    if (st == WG_OK)
        st = emit_cameras(c, p);
    return st;
}

/* Plans every superblock (re-rolling one whose households cannot be cut into communities,
 * and leaving it as a park when no attempt works), emits it, and keeps its blocks for the
 * incidents. */
static wg_status gen_superblocks(city *c)
{
    wg_status st = WG_OK;
    uint64_t total = (uint64_t)c->nsx * (uint64_t)c->nsy, done = 0;
    for (int sj = 0; sj < c->nsy && st == WG_OK; sj++) {
        for (int si = 0; si < c->nsx && st == WG_OK; si++) {
            if (wg_ctx_cancelled(c->ctx))
                return wg_fail(c->ctx, WG_EINTR, "sample city: interrupted");
            sbplan p;
            rng r;
            sb_streets(c, si, sj, &p, &r);
            bool ok = false;
            for (int attempt = 0; attempt < PLAN_ATTEMPTS && !ok && st == WG_OK; attempt++)
                st = sb_attempt(c, &p, attempt, &ok);
            if (st != WG_OK)
                break;
            if (!ok) {
                c->nbl = 0;
                p.ncomm = 0;
                for (int b = 0; b <= p.nr * p.nc; b++)
                    p.first[b] = 0;
                for (int b = 0; b < p.nr * p.nc; b++) {
                    p.hh[b] = 0;
                    p.kind[b] = p.kind[b] == BK_CORRIDOR ? BK_CORRIDOR : BK_OPEN;
                }
            }
            st = emit_superblock(c, &p);
            size_t nb = (size_t)(p.nr * p.nc);
            if (st == WG_OK)
                st = wg_grow(c->ctx, (void **)&c->blocks, &c->capblocks, c->nblocks + nb,
                             sizeof *c->blocks);
            for (int row = 0; row < p.nr && st == WG_OK; row++)
                for (int col = 0; col < p.nc; col++) {
                    int b = row * p.nc + col;
                    c->blocks[c->nblocks++] = (blockrec){
                        block_rect(&p, row, col), block_parcel(&p, row, col), p.hh[b], p.kind[b]};
                }
            wg_progress(c->ctx, "generating blocks", ++done, total);
        }
    }
    return st;
}

/* ---- Incidents ----------------------------------------------------------------------------- */

typedef struct hotspot {
    double x, y, sigma;
    size_t ctx, dominant;
} hotspot;

typedef struct inc {
    double x, y;
    int64_t reported, dispatched, closed, due;
    uint8_t cat, src;
    uint16_t minute;
} inc;

typedef struct incgen {
    double cat_cum[NCTX][NCAT];
    double hour_cum[3][24];
    double *block_cum;
    hotspot *hot;
    double *hot_cum;
    size_t nhot;
} incgen;

static size_t block_ctx(uint8_t kind)
{
    return kind == BK_COMPOUND ? CTX_COMPOUND : kind == BK_BUNGALOW ? CTX_BUNGALOW : CTX_OPEN;
}

static wg_status incgen_init(city *c, incgen *g)
{
    for (size_t k = 0; k < NCTX; k++) {
        double s = 0;
        for (size_t i = 0; i < NCAT; i++)
            g->cat_cum[k][i] = s += CAT_WEIGHT[i][k];
    }
    for (size_t k = 0; k < 3; k++) {
        double s = 0;
        for (size_t h = 0; h < 24; h++)
            g->hour_cum[k][h] = s += HOUR_WEIGHT[k][h];
    }
    size_t nhot = c->cfg->hotspots > 0 ? (size_t)c->cfg->hotspots : 1;
    g->block_cum = malloc(c->nblocks * sizeof *g->block_cum);
    double *hot_w = malloc(c->nblocks * sizeof *hot_w);
    g->hot = malloc(nhot * sizeof *g->hot);
    g->hot_cum = malloc(nhot * sizeof *g->hot_cum);
    if (!g->block_cum || !hot_w || !g->hot || !g->hot_cum) {
        free(hot_w);
        return wg_fail(c->ctx, WG_ENOMEM, "out of memory for %zu blocks", c->nblocks);
    }
    /* Background: where people live, and a little in open land (parks, school gates). */
    double s = 0, sh = 0;
    for (size_t b = 0; b < c->nblocks; b++) {
        const blockrec *k = &c->blocks[b];
        g->block_cum[b] = s += k->hh + (k->hh == 0 ? 150.0 : 0.0);
        hot_w[b] = sh += k->hh * (k->kind == BK_BUNGALOW ? 3.0 : 1.0);
    }
    /* Hot spots: a crowded bungalow lane full of group renting, a market street, a compound
     * with parking wars. Centred in lived-in blocks, bungalows favoured. */
    rng r;
    rng_seed(&r, c->seed, ST_HOTSPOTS, 0, 0);
    static const size_t DOM[NCTX][3] = {
        {CAT_PARKING, CAT_DISPUTE, CAT_DOGS},
        {CAT_GROUP_RENTING, CAT_ILLEGAL_CONSTRUCTION, CAT_STREET_ORDER},
        {CAT_STREET_ORDER, CAT_UNLICENSED, CAT_SANITATION},
    };
    double hs = 0;
    for (size_t i = 0; i < nhot; i++) {
        hotspot *h = &g->hot[i];
        const blockrec *k = sh > 0 ? &c->blocks[pick_cum(&r, hot_w, c->nblocks)]
                                   : &c->blocks[rng_below(&r, (uint32_t)c->nblocks)];
        h->x = rng_range(&r, k->block.x0, k->block.x1);
        h->y = rng_range(&r, k->block.y0, k->block.y1);
        h->sigma = rng_range(&r, 60, 220);
        h->ctx = block_ctx(k->kind);
        h->dominant = DOM[h->ctx][rng_below(&r, 3)];
        g->hot_cum[i] = hs += rng_range(&r, 0.5, 1.5);
    }
    g->nhot = nhot;
    free(hot_w);
    return WG_OK;
}

static void incgen_fini(incgen *g)
{
    free(g->block_cum);
    free(g->hot);
    free(g->hot_cum);
}

/* How many incidents each day of 2025 gets: fewer at weekends and over the Spring Festival
 * (28 Jan - 4 Feb) and National Day (1-7 Oct) holidays, more in summer; the counts add up to
 * the total exactly. */
static void day_counts(size_t total, size_t counts[365])
{
    double w[365], s = 0;
    for (int d = 0; d < 365; d++) {
        int dow = (d + 2) % 7; /* 2025-01-01 was a Wednesday; 0 = Monday */
        double f = dow >= 5 ? 0.75 : 1.0;
        if ((d >= 27 && d <= 34) || (d >= 273 && d <= 279))
            f *= 0.6;
        f *= 1.0 + 0.12 * sin(2 * PI * (d - 100) / 365.0);
        w[d] = f;
        s += f;
    }
    double cum = 0;
    size_t prev = 0;
    for (int d = 0; d < 365; d++) {
        cum += w[d];
        size_t upto = d == 364 ? total : (size_t)llround((double)total * cum / s);
        if (upto < prev)
            upto = prev;
        counts[d] = upto - prev;
        prev = upto;
    }
}

/* Where and what: in a hot spot (its dominant category half of the time) or anywhere people
 * are; street categories land in the street beside a block. */
static void incident_place(const city *c, const incgen *g, rng *r, inc *e)
{
    size_t ctx_ = CTX_OPEN;
    if (rng_chance(r, 0.35)) {
        const hotspot *h = &g->hot[pick_cum(r, g->hot_cum, g->nhot)];
        ctx_ = h->ctx;
        e->cat = (uint8_t)(rng_chance(r, 0.55) ? h->dominant : pick_cum(r, g->cat_cum[ctx_], NCAT));
        e->x = h->x;
        e->y = h->y;
        for (int t = 0; t < 8; t++) {
            double x = h->x + h->sigma * rng_normal(r), y = h->y + h->sigma * rng_normal(r);
            if (x > c->ext.x0 && x < c->ext.x1 && y > c->ext.y0 && y < c->ext.y1) {
                e->x = x;
                e->y = y;
                break;
            }
        }
    } else {
        const blockrec *k = &c->blocks[pick_cum(r, g->block_cum, c->nblocks)];
        ctx_ = block_ctx(k->kind);
        e->cat = (uint8_t)pick_cum(r, g->cat_cum[ctx_], NCAT);
        rect a = k->block;
        if (cat_in_street(e->cat)) { /* between the block's edge and the street centre line */
            switch (rng_below(r, 4)) {
            case 0:
                a = (rect){k->parcel.x0, k->parcel.y0, k->parcel.x1, k->block.y0};
                break;
            case 1:
                a = (rect){k->parcel.x0, k->block.y1, k->parcel.x1, k->parcel.y1};
                break;
            case 2:
                a = (rect){k->parcel.x0, k->parcel.y0, k->block.x0, k->parcel.y1};
                break;
            default:
                a = (rect){k->block.x1, k->parcel.y0, k->parcel.x1, k->parcel.y1};
                break;
            }
        }
        e->x = rng_range(r, a.x0, a.x1);
        e->y = rng_range(r, a.y0, a.y1);
    }
    e->x = round_dm(e->x);
    e->y = round_dm(e->y);
}

/* Lognormal minutes with the given median. */
static double lognormal(rng *r, double median, double sigma)
{
    return median * exp(sigma * rng_normal(r));
}

/* Who reported it, when, and how the closed loop went. Times in whole minutes from the start
 * of the day; the year's end is the snapshot: what had not happened by then is not set. */
static void incident_times(const incgen *g, rng *r, int64_t day_start, inc *e)
{
    double u = rng_unit(r);
    bool cam = cat_seen_by_camera(e->cat);
    bool resident = e->cat == CAT_DISPUTE || e->cat == CAT_ELDERLY || e->cat == CAT_DOGS;
    double p_cam = cam ? 0.25 : 0.02, p_hot = resident ? 0.45 : cam ? 0.25 : 0.33;
    e->src = u < p_cam ? SRC_CAMERA : u < p_cam + p_hot ? SRC_HOTLINE : SRC_PATROL;
    size_t hour = pick_cum(r, g->hour_cum[e->src], 24);
    e->minute = (uint16_t)(hour * 60 + rng_below(r, 60));
    int64_t rep = e->minute; /* minutes from day_start */
    int64_t deadline = CATEGORIES[e->cat].deadline_days * 1440LL;
    int64_t disp, clo;
    if (e->src == SRC_PATROL && rng_chance(r, 0.35)) { /* solved on the spot */
        disp = rep;
        clo = rep + 5 + rng_below(r, 85);
    } else {
        double median = e->src == SRC_PATROL ? 30 : e->src == SRC_HOTLINE ? 20 : 10;
        disp = rep + (int64_t)lognormal(r, median, 0.8);
        if (e->src != SRC_CAMERA && (hour >= 21 || hour < 7)) /* waits for the morning shift */
            disp +=
                (hour >= 21 ? (24 - (int64_t)hour + 8) : (8 - (int64_t)hour)) * 60 - e->minute % 60;
        int64_t handle = (int64_t)(lognormal(r, 0.3, 0.9) * (double)deadline);
        clo = rep + handle;
        if (clo < disp + 10)
            clo = disp + 10 + rng_below(r, 50);
    }
    if (rng_chance(r, 0.04)) /* stuck: waiting for another department */
        clo = -1;
    e->reported = day_start + rep * 60;
    e->dispatched = day_start + disp * 60;
    e->closed = clo < 0 ? WG_CITY_NO_TIME : day_start + clo * 60;
    e->due = e->reported + deadline * 60;
    if (e->dispatched >= T_2026) {
        e->dispatched = WG_CITY_NO_TIME;
        e->closed = WG_CITY_NO_TIME;
    }
    if (e->closed != WG_CITY_NO_TIME && e->closed >= T_2026)
        e->closed = WG_CITY_NO_TIME;
}

/* Sorts a day's n incidents from `day` into `sorted` by minute of the day (a counting sort:
 * stable, so incidents of the same minute keep the order they were drawn in). */
static void sort_day(const inc *day, size_t n, inc *sorted)
{
    size_t start[1441] = {0};
    for (size_t i = 0; i < n; i++)
        start[day[i].minute + 1]++;
    for (size_t m = 0; m < 1440; m++)
        start[m + 1] += start[m];
    for (size_t i = 0; i < n; i++)
        sorted[start[day[i].minute]++] = day[i];
}

static wg_status emit_incidents(city *c, const inc *e, size_t n)
{
    wg_status st = WG_OK;
    char id[32];
    for (size_t i = 0; i < n && st == WG_OK; i++, e++) {
        fmt_id(id, sizeof id, "E", c->st.incidents + 1, 8);
        wg_city_incident out = {.id = id,
                                .category = CATEGORIES[e->cat].code,
                                .source = SOURCES[e->src],
                                .status = e->closed == WG_CITY_NO_TIME ? "open" : "closed",
                                .x = e->x,
                                .y = e->y,
                                .reported = e->reported,
                                .dispatched = e->dispatched,
                                .closed = e->closed,
                                .due = e->due};
        c->st.incidents++;
        if (c->sink->on_incident)
            st = c->sink->on_incident(c->ctx, c->sink->user, &out);
    }
    return st;
}

/* A year of incidents, one day at a time: each day drawn from its own stream, sorted by time
 * and emitted, so memory holds one day (~30 k incidents for the large city). */
static wg_status gen_incidents(city *c)
{
    size_t total = c->cfg->incidents;
    if (c->nblocks == 0 || total == 0)
        return WG_OK;
    incgen g = {0};
    size_t counts[365];
    inc *day = NULL, *sorted = NULL;
    size_t cap = 0, cap2 = 0, done = 0;
    wg_status st = incgen_init(c, &g);
    if (st == WG_OK)
        day_counts(total, counts);
    for (int d = 0; d < 365 && st == WG_OK; d++) {
        if (wg_ctx_cancelled(c->ctx)) {
            st = wg_fail(c->ctx, WG_EINTR, "sample city: interrupted");
            break;
        }
        size_t n = counts[d];
        st = wg_grow(c->ctx, (void **)&day, &cap, n, sizeof *day);
        if (st == WG_OK)
            st = wg_grow(c->ctx, (void **)&sorted, &cap2, n, sizeof *sorted);
        if (st != WG_OK)
            break;
        rng r;
        rng_seed(&r, c->seed, ST_INCIDENTS, (uint64_t)d, 0);
        int64_t day_start = T_2025 + (int64_t)d * 86400;
        for (size_t i = 0; i < n; i++) {
            incident_place(c, &g, &r, &day[i]);
            incident_times(&g, &r, day_start, &day[i]);
        }
        sort_day(day, n, sorted);
        st = emit_incidents(c, sorted, n);
        done += n;
        wg_progress(c->ctx, "generating incidents", done, total);
    }
    free(day);
    free(sorted);
    incgen_fini(&g);
    return st;
}

wg_status wg_city_generate(wg_ctx *ctx, wg_city_scale scale, uint64_t seed,
                           const wg_city_sink *sink, wg_city_stats *stats)
{
    if ((unsigned)scale >= COUNT(SCALES))
        return wg_fail(ctx, WG_EINPUT, "sample city: unknown scale %d", (int)scale);
    double t0 = wg_now();
    city c = {0};
    c.ctx = ctx;
    c.sink = sink;
    c.cfg = &SCALES[scale];
    c.seed = seed;
    c.nsx = c.cfg->nsx;
    c.nsy = c.cfg->nsy;
    wg_status st = lay_out(&c);
    if (st == WG_OK)
        st = emit_streets_and_barriers(&c);
    if (st == WG_OK)
        st = gen_superblocks(&c);
    if (st == WG_OK)
        st = gen_incidents(&c);
    free(c.river);
    free(c.blocks);
    free(c.bl);
    if (st != WG_OK)
        return st;
    c.st.seconds = wg_now() - t0;
    if (stats)
        *stats = c.st;
    return WG_OK;
}

/* ---- Time text ----------------------------------------------------------------------------- */

/* Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's civil_from_days). */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t dd = doy - (153 * mp + 2) / 5 + 1;
    int64_t mm = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yoe + era * 400 + (mm <= 2));
    *m = (int)mm;
    *d = (int)dd;
}

static char *put2(char *p, int v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

char *wg_city_time_iso(int64_t t, char *out)
{
    int64_t local = t + 8 * 3600;
    int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    int64_t sec = local - days * 86400;
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) {
        snprintf(out, WG_CITY_TIME_LEN, "%s", "0000-01-01T00:00:00+08:00");
        return out;
    }
    /* Hand-made rather than snprintf: 40 million of these for the large city. */
    char *p = put2(put2(out, y / 100), y % 100);
    *p++ = '-';
    p = put2(p, m);
    *p++ = '-';
    p = put2(p, d);
    *p++ = 'T';
    p = put2(p, (int)(sec / 3600));
    *p++ = ':';
    p = put2(p, (int)(sec / 60 % 60));
    *p++ = ':';
    p = put2(p, (int)(sec % 60));
    memcpy(p, "+08:00", 7);
    return out;
}

/* ---- The file writer ----------------------------------------------------------------------- */

enum { F_COMMUNITIES, F_UNITS, F_STREETS, F_BARRIERS, F_INCIDENTS, F_CAMERAS, F_WORKERS, NFILES };

typedef struct file_def {
    const char *file, *layer;
    wg_gkind gkind;
    const wg_field_def *fields;
    size_t nfields;
} file_def;

static const wg_field_def COMMUNITY_FIELDS[] = {
    {"id", WG_F_TEXT}, {"name", WG_F_TEXT}, {"parent", WG_F_TEXT}, {"households", WG_F_INT}};
static const wg_field_def UNIT_FIELDS[] = {{"id", WG_F_TEXT},
                                           {"households", WG_F_INT},
                                           {"compound", WG_F_TEXT},
                                           {"community", WG_F_TEXT},
                                           {"kind", WG_F_TEXT}};
static const wg_field_def STREET_FIELDS[] = {
    {"id", WG_F_TEXT}, {"name", WG_F_TEXT}, {"kind", WG_F_TEXT}};
static const wg_field_def BARRIER_FIELDS[] = {
    {"id", WG_F_TEXT}, {"kind", WG_F_TEXT}, {"name", WG_F_TEXT}};
static const wg_field_def INCIDENT_FIELDS[] = {{"id", WG_F_TEXT},         {"category", WG_F_TEXT},
                                               {"source", WG_F_TEXT},     {"reported", WG_F_TEXT},
                                               {"dispatched", WG_F_TEXT}, {"closed", WG_F_TEXT},
                                               {"due", WG_F_TEXT},        {"status", WG_F_TEXT}};
static const wg_field_def CAMERA_FIELDS[] = {{"id", WG_F_TEXT},          {"kind", WG_F_TEXT},
                                             {"heading_deg", WG_F_REAL}, {"fov_deg", WG_F_REAL},
                                             {"range_m", WG_F_REAL},     {"height_m", WG_F_REAL}};
static const wg_field_def WORKER_FIELDS[] = {
    {"id", WG_F_TEXT}, {"name", WG_F_TEXT}, {"role", WG_F_TEXT}, {"community", WG_F_TEXT}};

static const file_def FILES[NFILES] = {
    {"communities.gpkg", "communities", WG_G_POLYGON, COMMUNITY_FIELDS, COUNT(COMMUNITY_FIELDS)},
    {"units.gpkg", "units", WG_G_POLYGON, UNIT_FIELDS, COUNT(UNIT_FIELDS)},
    {"streets.gpkg", "streets", WG_G_LINE, STREET_FIELDS, COUNT(STREET_FIELDS)},
    {"barriers.gpkg", "barriers", WG_G_LINE, BARRIER_FIELDS, COUNT(BARRIER_FIELDS)},
    {"incidents.fgb", "incidents", WG_G_POINT, INCIDENT_FIELDS, COUNT(INCIDENT_FIELDS)},
    {"cameras.gpkg", "cameras", WG_G_POINT, CAMERA_FIELDS, COUNT(CAMERA_FIELDS)},
    {"workers.csv", "workers", WG_G_NONE, WORKER_FIELDS, COUNT(WORKER_FIELDS)},
};

_Static_assert(NFILES == WG_CITY_NFILES, "democity.h lists every file");

void wg_city_file(size_t i, const char **file, const char **layer)
{
    *file = FILES[i].file;
    *layer = FILES[i].layer;
}

wg_status wg_city_import(wg_ws *ws, const char *dir, wg_city_imported_fn done, void *user)
{
    char src[4200];
    for (size_t i = 0; i < NFILES; i++) {
        if (snprintf(src, sizeof src, "%s/%s", dir, FILES[i].file) >= (int)sizeof src)
            return wg_fail(wg_ws_ctx(ws), WG_EINPUT, "%s: folder name too long", dir);
        wg_import_result r;
        wg_status st = wg_import(ws, FILES[i].layer, src, NULL, &r);
        if (st != WG_OK)
            return st;
        if (done)
            done(user, FILES[i].layer, src, &r);
    }
    return WG_OK;
}

typedef struct writer {
    wg_dst *dst[NFILES];
} writer;

static wg_value text_value(const char *s)
{
    return (wg_value){.null = s == NULL, .s = s};
}

static wg_value int_value(int64_t i)
{
    return (wg_value){.i = i};
}

static wg_value real_value(double r)
{
    return (wg_value){.r = r};
}

/* Adds a feature whose geometry is a line string, or a polygon with one ring, through the n
 * points xy[0..2n). */
static wg_status add_geom(wg_ctx *ctx, wg_dst *dst, const double *xy, size_t n, bool polygon,
                          const wg_value *vals)
{
    wg_geom *g = NULL;
    wg_status st = polygon ? wg_geom_polygon(ctx, xy, n, &g) : wg_geom_line(ctx, xy, n, &g);
    if (st != WG_OK) {
        wg_ctx_where(ctx, "sample city: ");
        return st;
    }
    st = wg_dst_add(ctx, dst, g, vals);
    wg_geom_free(ctx, g);
    return st;
}

static wg_status w_street(wg_ctx *ctx, void *user, const wg_city_line *l)
{
    writer *w = user;
    const wg_value v[] = {text_value(l->id), text_value(l->name), text_value(l->kind)};
    return add_geom(ctx, w->dst[F_STREETS], l->xy, l->npts, false, v);
}

static wg_status w_barrier(wg_ctx *ctx, void *user, const wg_city_line *l)
{
    writer *w = user;
    const wg_value v[] = {text_value(l->id), text_value(l->kind), text_value(l->name)};
    return add_geom(ctx, w->dst[F_BARRIERS], l->xy, l->npts, false, v);
}

static wg_status w_community(wg_ctx *ctx, void *user, const wg_city_community *cm)
{
    writer *w = user;
    const wg_value v[] = {text_value(cm->id), text_value(cm->name), text_value(cm->parent),
                          int_value(cm->households)};
    return add_geom(ctx, w->dst[F_COMMUNITIES], cm->ring, cm->npts, true, v);
}

static wg_status w_building(wg_ctx *ctx, void *user, const wg_city_building *b)
{
    writer *w = user;
    const wg_value v[] = {text_value(b->id), int_value(b->households), text_value(b->compound),
                          text_value(b->community), text_value("building")};
    return add_geom(ctx, w->dst[F_UNITS], b->ring, b->npts, true, v);
}

static wg_status w_camera(wg_ctx *ctx, void *user, const wg_city_camera *cam)
{
    writer *w = user;
    const wg_value v[] = {text_value(cam->id),          text_value(cam->kind),
                          real_value(cam->heading_deg), real_value(cam->fov_deg),
                          real_value(cam->range_m),     real_value(cam->height_m)};
    return wg_dst_add_xy(ctx, w->dst[F_CAMERAS], cam->x, cam->y, v);
}

static wg_status w_worker(wg_ctx *ctx, void *user, const wg_city_worker *wk)
{
    writer *w = user;
    const wg_value v[] = {text_value(wk->id), text_value(wk->name), text_value(wk->role),
                          text_value(wk->community)};
    return wg_dst_add(ctx, w->dst[F_WORKERS], NULL, v);
}

static wg_status w_incident(wg_ctx *ctx, void *user, const wg_city_incident *e)
{
    writer *w = user;
    char rep[WG_CITY_TIME_LEN], disp[WG_CITY_TIME_LEN], clo[WG_CITY_TIME_LEN],
        due[WG_CITY_TIME_LEN];
    const wg_value v[] = {
        text_value(e->id),
        text_value(e->category),
        text_value(e->source),
        text_value(wg_city_time_iso(e->reported, rep)),
        text_value(e->dispatched == WG_CITY_NO_TIME ? NULL : wg_city_time_iso(e->dispatched, disp)),
        text_value(e->closed == WG_CITY_NO_TIME ? NULL : wg_city_time_iso(e->closed, clo)),
        text_value(wg_city_time_iso(e->due, due)),
        text_value(e->status)};
    return wg_dst_add_xy(ctx, w->dst[F_INCIDENTS], e->x, e->y, v);
}

/* mkdir -p: each missing component of `dir` is made. */
static wg_status make_dirs(wg_ctx *ctx, const char *dir)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s", dir);
    if (n <= 0 || (size_t)n >= sizeof path)
        return wg_fail(ctx, WG_EINPUT, "sample city: folder name too long or empty: \"%s\"", dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return wg_fail(ctx, WG_EIO, "sample city: cannot make folder %s: %s", path,
                           strerror(errno));
        *p = '/';
    }
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return wg_fail(ctx, WG_EIO, "sample city: cannot make folder %s: %s", path,
                       strerror(errno));
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return wg_fail(ctx, WG_EIO, "sample city: %s is not a folder", path);
    return WG_OK;
}

wg_status wg_city_write(wg_ctx *ctx, wg_city_scale scale, uint64_t seed, const char *dir,
                        wg_city_stats *stats)
{
    double t0 = wg_now();
    writer w = {{NULL}};
    wg_status st = make_dirs(ctx, dir);
    for (size_t i = 0; i < NFILES && st == WG_OK; i++) {
        char path[4096];
        int n = snprintf(path, sizeof path, "%s/%s", dir, FILES[i].file);
        if (n < 0 || (size_t)n >= sizeof path)
            st = wg_fail(ctx, WG_EINPUT, "sample city: folder name too long: \"%s\"", dir);
        else
            st = wg_dst_open(ctx, path, FILES[i].layer,
                             FILES[i].gkind == WG_G_NONE ? NULL : WG_CITY_CRS, FILES[i].gkind,
                             FILES[i].fields, FILES[i].nfields, &w.dst[i]);
    }
    const wg_city_sink sink = {&w,       w_street,   w_barrier, w_community,
                               w_worker, w_building, w_camera,  w_incident};
    wg_city_stats s = {0};
    if (st == WG_OK)
        st = wg_city_generate(ctx, scale, seed, &sink, &s);
    for (size_t i = 0; i < NFILES; i++) {
        if (st == WG_OK) {
            wg_progress(ctx, "writing files", i, NFILES);
            st = wg_dst_commit(ctx, w.dst[i]); /* frees it, even on failure */
            if (st != WG_OK)
                wg_ctx_where(ctx, "sample city %s: ", FILES[i].file);
        } else {
            wg_dst_abort(w.dst[i]);
        }
        w.dst[i] = NULL;
    }
    if (st != WG_OK)
        return st;
    s.seconds = wg_now() - t0;
    if (stats)
        *stats = s;
    return WG_OK;
}
