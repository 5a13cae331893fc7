/* render/ramp.c: the colour ramps of wg/ramp.h — static tables of sRGB stops and linear
 * interpolation between them. Knows nothing of maps, cairo or classes.
 *
 * Every ramp is a run of "rrggbb" stops in one string literal, decoded when a colour is asked
 * for (two stops a call, a few nanoseconds), so the tables stay small and diffable.
 *
 * Where the stops come from:
 * - viridis, magma, inferno, plasma, cividis: matplotlib's lib/matplotlib/_cm_listed.py (the
 *   256-entry _<name>_data lists, 6-decimal floats), each channel converted as
 *   round(v x 255) with exact decimal arithmetic (no value falls on a .5 tie). The result
 *   equals d3-scale-chromatic 3.1.1's tables for the four ramps it carries as data.
 * - ColorBrewer (Cynthia Brewer, colorbrewer2.org): the 9-class sequential and 11-class
 *   diverging schemes, Set2 8, Dark2 8 and Paired 12, as the colorbrewer npm package 1.7.0
 *   lists them (d3-scale-chromatic agrees, except that it reverses PuOr; we keep ColorBrewer's
 *   order, orange first, as matplotlib does).
 * - Tableau10: the Tableau 10 palette as Tableau publishes it (d3's schemeTableau10 differs
 *   by one unit in four colours). */
#include "wg/ramp.h"

#include <strings.h>

struct wg_ramp {
    const char *name;
    wg_ramp_kind kind;
    size_t nstops;
    const char *hex; /* nstops colours, "rrggbb" each, no separators */
};

/* matplotlib's perceptually uniform ramps, 256 stops each (15 a line). */
static const char viridis[] =
    "44015444025645045745055946075a46085c460a5d460b5e470d60470e61471063471164471365481467481668"
    "48176948186a481a6c481b6d481c6e481d6f481f70482071482173482374482475482576482677482878482979"
    "472a7a472c7a472d7b472e7c472f7d46307e46327e46337f463480453581453781453882443983443a83443b84"
    "433d84433e85423f854240864241864142874144874045884046883f47883f48893e49893e4a893e4c8a3d4d8a"
    "3d4e8a3c4f8a3c508b3b518b3b528b3a538b3a548c39558c39568c38588c38598c375a8c375b8d365c8d365d8d"
    "355e8d355f8d34608d34618d33628d33638d32648e32658e31668e31678e31688e30698e306a8e2f6b8e2f6c8e"
    "2e6d8e2e6e8e2e6f8e2d708e2d718e2c718e2c728e2c738e2b748e2b758e2a768e2a778e2a788e29798e297a8e"
    "297b8e287c8e287d8e277e8e277f8e27808e26818e26828e26828e25838e25848e25858e24868e24878e23888e"
    "23898e238a8d228b8d228c8d228d8d218e8d218f8d21908d21918c20928c20928c20938c1f948c1f958b1f968b"
    "1f978b1f988b1f998a1f9a8a1e9b8a1e9c891e9d891f9e891f9f881fa0881fa1881fa1871fa28720a38620a486"
    "21a58521a68522a78522a88423a98324aa8325ab8225ac8226ad8127ad8128ae8029af7f2ab07f2cb17e2db27d"
    "2eb37c2fb47c31b57b32b67a34b67935b77937b87838b9773aba763bbb753dbc743fbc7340bd7242be7144bf70"
    "46c06f48c16e4ac16d4cc26c4ec36b50c46a52c56954c56856c66758c7655ac8645cc8635ec96260ca6063cb5f"
    "65cb5e67cc5c69cd5b6ccd5a6ece5870cf5773d05675d05477d1537ad1517cd2507fd34e81d34d84d44b86d549"
    "89d5488bd6468ed64590d74393d74195d84098d83e9bd93c9dd93ba0da39a2da37a5db36a8db34aadc32addc30"
    "b0dd2fb2dd2db5de2bb8de29bade28bddf26c0df25c2df23c5e021c8e020cae11fcde11dd0e11cd2e21bd5e21a"
    "d8e219dae319dde318dfe318e2e418e5e419e7e419eae51aece51befe51cf1e51df4e61ef6e620f8e621fbe723"
    "fde725";

static const char magma[] =
    "00000401000501010601010802010902020b02020d03030f03031204041405041606051806051a07061c08071e"
    "0907200a08220b09240c09260d0a290e0b2b100b2d110c2f120d31130d34140e36150e38160f3b180f3d19103f"
    "1a10421c10441d11471e114920114b21114e22115024125325125527125829115a2a115c2c115f2d11612f1163"
    "31116533106734106936106b38106c390f6e3b0f703d0f713f0f72400f74420f75440f76451077471078491078"
    "4a10794c117a4e117b4f127b51127c52137c54137d56147d57157e59157e5a167e5c167f5d177f5f187f601880"
    "621980641a80651a80671b80681c816a1c816b1d816d1d816e1e81701f81721f81732081752181762181782281"
    "7922827b23827c23827e24828025828125818326818426818627818827818928818b29818c29818e2a81902a81"
    "912b81932b80942c80962c80982d80992d809b2e7f9c2e7f9e2f7fa02f7fa1307ea3307ea5317ea6317da8327d"
    "aa337dab337cad347cae347bb0357bb2357bb3367ab5367ab73779b83779ba3878bc3978bd3977bf3a77c03a76"
    "c23b75c43c75c53c74c73d73c83e73ca3e72cc3f71cd4071cf4070d0416fd2426fd3436ed5446dd6456cd8456c"
    "d9466bdb476adc4869de4968df4a68e04c67e24d66e34e65e44f64e55064e75263e85362e95462ea5661eb5760"
    "ec5860ed5a5fee5b5eef5d5ef05f5ef1605df2625df2645cf3655cf4675cf4695cf56b5cf66c5cf66e5cf7705c"
    "f7725cf8745cf8765cf9785df9795df97b5dfa7d5efa7f5efa815ffb835ffb8560fb8761fc8961fc8a62fc8c63"
    "fc8e64fc9065fd9266fd9467fd9668fd9869fd9a6afd9b6bfe9d6cfe9f6dfea16efea36ffea571fea772fea973"
    "feaa74feac76feae77feb078feb27afeb47bfeb67cfeb77efeb97ffebb81febd82febf84fec185fec287fec488"
    "fec68afec88cfeca8dfecc8ffecd90fecf92fed194fed395fed597fed799fed89afdda9cfddc9efddea0fde0a1"
    "fde2a3fde3a5fde5a7fde7a9fde9aafdebacfcecaefceeb0fcf0b2fcf2b4fcf4b6fcf6b8fcf7b9fcf9bbfcfbbd"
    "fcfdbf";

static const char inferno[] =
    "00000401000501010601010802010a02020c02020e03021004031204031405041706041907051b08051d09061f"
    "0a07220b07240c08260d08290e092b10092d110a30120a32140b34150b37160b39180c3c190c3e1b0c411c0c43"
    "1e0c451f0c48210c4a230c4c240c4f260c51280b53290b552b0b572d0b592f0a5b310a5c320a5e340a5f360961"
    "3809623909633b09643d09653e0966400a67420a68440a68450a69470b6a490b6a4a0c6b4c0c6b4d0d6c4f0d6c"
    "510e6c520e6d540f6d550f6d57106e59106e5a116e5c126e5d126e5f136e61136e62146e64156e65156e67166e"
    "69166e6a176e6c186e6d186e6f196e71196e721a6e741a6e751b6e771c6d781c6d7a1d6d7c1d6d7d1e6d7f1e6c"
    "801f6c82206c84206b85216b87216b88226a8a226a8c23698d23698f2469902568922568932667952667972766"
    "9827669a28659b29649d29649f2a63a02a63a22b62a32c61a52c60a62d60a82e5fa92e5eab2f5ead305dae305c"
    "b0315bb1325ab3325ab43359b63458b73557b93556ba3655bc3754bd3853bf3952c03a51c13a50c33b4fc43c4e"
    "c63d4dc73e4cc83f4bca404acb4149cc4248ce4347cf4446d04545d24644d34743d44842d54a41d74b3fd84c3e"
    "d94d3dda4e3cdb503bdd513ade5238df5337e05536e15635e25734e35933e45a31e55c30e65d2fe75e2ee8602d"
    "e9612bea632aeb6429eb6628ec6726ed6925ee6a24ef6c23ef6e21f06f20f1711ff1731df2741cf3761bf37819"
    "f47918f57b17f57d15f67e14f68013f78212f78410f8850ff8870ef8890cf98b0bf98c0af98e09fa9008fa9207"
    "fa9407fb9606fb9706fb9906fb9b06fb9d07fc9f07fca108fca309fca50afca60cfca80dfcaa0ffcac11fcae12"
    "fcb014fcb216fcb418fbb61afbb81dfbba1ffbbc21fbbe23fac026fac228fac42afac62df9c72ff9c932f9cb35"
    "f8cd37f8cf3af7d13df7d340f6d543f6d746f5d949f5db4cf4dd4ff4df53f4e156f3e35af3e55df2e661f2e865"
    "f2ea69f1ec6df1ed71f1ef75f1f179f2f27df2f482f3f586f3f68af4f88ef5f992f6fa96f8fb9af9fc9dfafda1"
    "fcffa4";

static const char plasma[] =
    "0d088710078813078916078a19068c1b068d1d068e20068f2206902406912605912805922a05932c05942e0595"
    "2f059631059733059735049837049938049a3a049a3c049b3e049c3f049c41049d43039e44039e46039f48039f"
    "4903a04b03a14c02a14e02a25002a25102a35302a35502a45601a45801a45901a55b01a55c01a65e01a66001a6"
    "6100a76300a76400a76600a76700a86900a86a00a86c00a86e00a86f00a87100a87201a87401a87501a87701a8"
    "7801a87a02a87b02a87d03a87e03a88004a88104a78305a78405a78606a68707a68808a68a09a58b0aa58d0ba5"
    "8e0ca48f0da4910ea3920fa39410a29511a19613a19814a099159f9a169f9c179e9d189d9e199da01a9ca11b9b"
    "a21d9aa31e9aa51f99a62098a72197a82296aa2395ab2494ac2694ad2793ae2892b02991b12a90b22b8fb32c8e"
    "b42e8db52f8cb6308bb7318ab83289ba3388bb3488bc3587bd3786be3885bf3984c03a83c13b82c23c81c33d80"
    "c43e7fc5407ec6417dc7427cc8437bc9447aca457acb4679cc4778cc4977cd4a76ce4b75cf4c74d04d73d14e72"
    "d24f71d35171d45270d5536fd5546ed6556dd7566cd8576bd9586ada5a6ada5b69db5c68dc5d67dd5e66de5f65"
    "de6164df6263e06363e16462e26561e26660e3685fe4695ee56a5de56b5de66c5ce76e5be76f5ae87059e97158"
    "e97257ea7457eb7556eb7655ec7754ed7953ed7a52ee7b51ef7c51ef7e50f07f4ff0804ef1814df1834cf2844b"
    "f3854bf3874af48849f48948f58b47f58c46f68d45f68f44f79044f79143f79342f89441f89540f9973ff9983e"
    "f99a3efa9b3dfa9c3cfa9e3bfb9f3afba139fba238fca338fca537fca636fca835fca934fdab33fdac33fdae32"
    "fdaf31fdb130fdb22ffdb42ffdb52efeb72dfeb82cfeba2cfebb2bfebd2afebe2afec029fdc229fdc328fdc527"
    "fdc627fdc827fdca26fdcb26fccd25fcce25fcd025fcd225fbd324fbd524fbd724fad824fada24f9dc24f9dd25"
    "f8df25f8e125f7e225f7e425f6e626f6e826f5e926f5eb27f4ed27f3ee27f3f027f2f227f1f426f1f525f0f724"
    "f0f921";

static const char cividis[] =
    "00224e00234f00245100255300255400265600275800285900285b00295d002a5f002a61002b62002c64002c66"
    "002d68002e6a002e6c002f6d00306f0030700031700031710132710533710833700c34700f3570123570143670"
    "16377018376f1a386f1c396f1e3a6f203a6f213b6e233c6e243c6e263d6e273e6e293f6e2a3f6d2b406d2d416d"
    "2e416d2f426d31436d32436d33446d34456c35456c36466c38476c39486c3a486c3b496c3c4a6c3d4a6c3e4b6c"
    "3f4c6c404c6c414d6c424e6c434e6c444f6c45506c46516c47516c48526c49536c4a536c4b546c4c556c4d556c"
    "4e566c4f576c50576c51586d52596d535a6d545a6d555b6d555c6d565c6d575d6d585e6d595e6e5a5f6e5b606e"
    "5c616e5d616e5e626e5e636f5f636f60646f61656f62656f636670646770656870656870666970676a71686a71"
    "696b716a6c716b6d726c6d726c6e726d6f726e6f736f7073707173717274727274727374737475747475757575"
    "7676767777767777777878777979777a7a787b7a787c7b787d7c787e7c787e7d787f7e78807f78817f78828079"
    "8381798482798582798683798784788885788985788a86788b87788c88788d88788e89788f8a78908b78918b78"
    "928c78928d78938e78948e77958f779690779791779892779992779a93769b94769c95769d95769e96769f9775"
    "a09875a19975a29975a39a74a49b74a59c74a69c74a79d73a89e73a99f73aaa073aba072aca172ada272aea371"
    "afa471b0a571b1a570b3a670b4a76fb5a86fb6a96fb7a96eb8aa6eb9ab6dbaac6dbbad6dbcae6cbdae6cbeaf6b"
    "bfb06bc0b16ac1b26ac2b369c3b369c4b468c5b568c6b667c7b767c8b866c9b965cbb965ccba64cdbb63cebc63"
    "cfbd62d0be62d1bf61d2c060d3c05fd4c15fd5c25ed6c35dd7c45cd9c55cdac65bdbc75adcc859ddc858dec958"
    "dfca57e0cb56e1cc55e2cd54e4ce53e5cf52e6d051e7d150e8d24fe9d34eead34cebd44bedd54aeed649efd748"
    "f0d846f1d945f2da44f3db42f5dc41f6dd3ff7de3ef8df3cf9e03afbe138fce236fde334fee434fee535fee636"
    "fee838";

#define SEQ WG_RAMP_SEQUENTIAL
#define DIV WG_RAMP_DIVERGING
#define QUAL WG_RAMP_QUALITATIVE
/* A pointer to a static ramp; file-scope compound literals have static storage. */
#define RAMP(name, kind, hex) (&(const wg_ramp){name, kind, (sizeof hex - 1) / 6, hex})

/* All ramps, in the order wg/ramp.h lists them. */
static const wg_ramp *const ramp_list[] = {
    RAMP("viridis", SEQ, viridis),
    RAMP("magma", SEQ, magma),
    RAMP("inferno", SEQ, inferno),
    RAMP("plasma", SEQ, plasma),
    RAMP("cividis", SEQ, cividis),
    /* ColorBrewer sequential, 9 classes, light to dark. */
    RAMP("YlOrRd", SEQ, "ffffccffeda0fed976feb24cfd8d3cfc4e2ae31a1cbd0026800026"),
    RAMP("YlOrBr", SEQ, "ffffe5fff7bcfee391fec44ffe9929ec7014cc4c02993404662506"),
    RAMP("YlGnBu", SEQ, "ffffd9edf8b1c7e9b47fcdbb41b6c41d91c0225ea8253494081d58"),
    RAMP("OrRd", SEQ, "fff7ecfee8c8fdd49efdbb84fc8d59ef6548d7301fb300007f0000"),
    RAMP("PuRd", SEQ, "f7f4f9e7e1efd4b9dac994c7df65b0e7298ace125698004367001f"),
    RAMP("RdPu", SEQ, "fff7f3fde0ddfcc5c0fa9fb5f768a1dd3497ae017e7a017749006a"),
    RAMP("BuPu", SEQ, "f7fcfde0ecf4bfd3e69ebcda8c96c68c6bb188419d810f7c4d004b"),
    RAMP("GnBu", SEQ, "f7fcf0e0f3dbccebc5a8ddb57bccc44eb3d32b8cbe0868ac084081"),
    RAMP("Blues", SEQ, "f7fbffdeebf7c6dbef9ecae16baed64292c62171b508519c08306b"),
    RAMP("Greens", SEQ, "f7fcf5e5f5e0c7e9c0a1d99b74c47641ab5d238b45006d2c00441b"),
    RAMP("Greys", SEQ, "fffffff0f0f0d9d9d9bdbdbd969696737373525252252525000000"),
    RAMP("Oranges", SEQ, "fff5ebfee6cefdd0a2fdae6bfd8d3cf16913d94801a636037f2704"),
    RAMP("Purples", SEQ, "fcfbfdefedf5dadaebbcbddc9e9ac8807dba6a51a354278f3f007d"),
    RAMP("Reds", SEQ, "fff5f0fee0d2fcbba1fc9272fb6a4aef3b2ccb181da50f1567000d"),
    /* ColorBrewer diverging, 11 classes. */
    RAMP("RdBu", DIV, "67001fb2182bd6604df4a582fddbc7f7f7f7d1e5f092c5de4393c32166ac053061"),
    RAMP("RdYlBu", DIV, "a50026d73027f46d43fdae61fee090ffffbfe0f3f8abd9e974add14575b4313695"),
    RAMP("RdYlGn", DIV, "a50026d73027f46d43fdae61fee08bffffbfd9ef8ba6d96a66bd631a9850006837"),
    RAMP("BrBG", DIV, "5430058c510abf812ddfc27df6e8c3f5f5f5c7eae580cdc135978f01665e003c30"),
    RAMP("PiYG", DIV, "8e0152c51b7dde77aef1b6dafde0eff7f7f7e6f5d0b8e1867fbc414d9221276419"),
    RAMP("PuOr", DIV, "7f3b08b35806e08214fdb863fee0b6f7f7f7d8daebb2abd28073ac5427882d004b"),
    RAMP("Spectral", DIV, "9e0142d53e4ff46d43fdae61fee08bffffbfe6f598abdda466c2a53288bd5e4fa2"),
    /* Qualitative. */
    RAMP("Set2", QUAL, "66c2a5fc8d628da0cbe78ac3a6d854ffd92fe5c494b3b3b3"),
    RAMP("Dark2", QUAL, "1b9e77d95f027570b3e7298a66a61ee6ab02a6761d666666"),
    RAMP("Paired", QUAL,
         "a6cee31f78b4b2df8a33a02cfb9a99e31a1cfdbf6fff7f00cab2d66a3d9affff99b15928"),
    RAMP("Tableau10", QUAL, "4e79a7f28e2be1575976b7b259a14fedc948b07aa1ff9da79c755fbab0ac"),
};

#define NRAMPS (sizeof ramp_list / sizeof ramp_list[0])

const wg_ramp *wg_ramp_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < NRAMPS; i++)
        if (strcasecmp(ramp_list[i]->name, name) == 0)
            return ramp_list[i];
    return NULL;
}

const wg_ramp *const *wg_ramps(size_t *n)
{
    *n = NRAMPS;
    return ramp_list;
}

const char *wg_ramp_name(const wg_ramp *r)
{
    return r->name;
}

wg_ramp_kind wg_ramp_kind_of(const wg_ramp *r)
{
    return r->kind;
}

static unsigned hex_digit(char c)
{
    /* The tables hold lower-case hex only, so two ranges suffice. */
    return c <= '9' ? (unsigned)(c - '0') : (unsigned)(c - 'a' + 10);
}

/* Stop i of r as 0..255 per channel. */
static void stop_bytes(const wg_ramp *r, size_t i, double rgb[3])
{
    const char *h = r->hex + 6 * i;
    for (int c = 0; c < 3; c++)
        rgb[c] = (double)(hex_digit(h[2 * c]) * 16 + hex_digit(h[2 * c + 1]));
}

static wg_rgb stop_rgb(const wg_ramp *r, size_t i)
{
    double b[3];
    stop_bytes(r, i, b);
    return (wg_rgb){b[0] / 255.0, b[1] / 255.0, b[2] / 255.0};
}

wg_rgb wg_ramp_at(const wg_ramp *r, double t)
{
    if (!(t > 0)) /* also NaN */
        return stop_rgb(r, 0);
    if (t >= 1)
        return stop_rgb(r, r->nstops - 1);
    double pos = t * (double)(r->nstops - 1);
    size_t i = (size_t)pos;
    if (i >= r->nstops - 1) /* t just below 1 can round up to the last stop */
        return stop_rgb(r, r->nstops - 1);
    double f = pos - (double)i, a[3], b[3];
    stop_bytes(r, i, a);
    stop_bytes(r, i + 1, b);
    /* Interpolate in byte units and divide once, so that f = 0 gives a stop exactly. */
    return (wg_rgb){(a[0] + (b[0] - a[0]) * f) / 255.0, (a[1] + (b[1] - a[1]) * f) / 255.0,
                    (a[2] + (b[2] - a[2]) * f) / 255.0};
}

wg_rgb wg_ramp_color(const wg_ramp *r, size_t i, size_t n)
{
    if (r->kind == WG_RAMP_QUALITATIVE)
        return stop_rgb(r, i % r->nstops);
    if (n <= 1)
        return wg_ramp_at(r, 0.5); /* one class: the middle, not an extreme */
    return wg_ramp_at(r, i >= n ? 1.0 : (double)i / (double)(n - 1));
}
