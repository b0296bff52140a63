/* Command line and JSON machine description. Both fill one vmp_config; a
 * --config file is applied first so flags override it. Every error names
 * what was wrong: the flag, or the file and the JSON path in it. */
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <vmparts/common.h>

#include "util.h"

void vmp_config_init(struct vmp_config *c)
{
    memset(c, 0, sizeof *c);
    c->mem = 512ull << 20;
    c->smp = 1;
    c->accel = strdup("auto");
    c->serial = VMP_SERIAL_STDIO;
}

void vmp_config_free(struct vmp_config *c)
{
    free(c->kernel);
    free(c->initrd);
    free(c->append);
    for (unsigned i = 0; i < c->nmodules; i++)
        free(c->modules[i]);
    free(c->accel);
    free(c->serial_path);
    for (unsigned i = 0; i < c->ndisks; i++)
        free(c->disks[i]);
    free(c->dump_acpi);
    memset(c, 0, sizeof *c);
}

void vmp_usage(FILE *f)
{
    fprintf(f,
            "usage: vmp --kernel FILE [options]\n"
            "       vmp --disk FILE[,readonly] [options]   (boots through the BIOS)\n"
            "  --kernel FILE      Linux bzImage, Multiboot ELF kernel, or (with\n"
            "                     --load-addr) a flat binary\n"
            "  --initrd FILE      initial ramdisk (Linux)\n"
            "  --append STRING    kernel command line\n"
            "  --module FILE[ ARGS]  Multiboot module (repeatable, at most %d); text\n"
            "                     after the first space is the module's string\n"
            "  --mem SIZE         guest RAM: 512M (default), 2G, 65536K, or MiB\n"
            "  --smp N            vCPUs, 1 to %d (default 1)\n"
            "  --accel kvm|emu|auto  backend: KVM, vmp's x86 emulator, or auto\n"
            "                     (default: KVM where it runs guest kernel code at\n"
            "                     hardware speed, else the emulator)\n"
            "  --serial stdio|file:PATH|none   COM1 (0x3F8) backend (default stdio)\n"
            "  --load-addr ADDR   load --kernel as a flat binary at ADDR, entered in\n"
            "                     32-bit protected mode\n"
            "  --timeout SECONDS  stop the guest after this long (status %d)\n"
            "  --no-decompress    boot a bzImage through its own decompressor (by\n"
            "                     default vmp decompresses xz kernels itself)\n"
            "  --disk FILE[,readonly]  raw disk image (whole 512-byte sectors), BIOS\n"
            "                     disk 0x80, 0x81, ... (repeatable, at most %d); without\n"
            "                     --kernel, vmp boots the first one through the BIOS\n"
            "  --dump-acpi DIR    write the machine's ACPI tables to DIR/*.dat and exit\n"
            "  --config FILE      JSON machine description (flags override it)\n"
            "  --help, --version\n"
            "Exit status: (v << 1) | 1 when the guest writes v to port 0xF4; %d on\n"
            "power off (ACPI S5); %d on bad usage or an image that cannot load; %d on\n"
            "guest reset; %d on a KVM/host failure; %d on SIGINT/SIGTERM.\n",
            VMP_CFG_MAX_MODULES, VMP_CFG_MAX_CPUS, VMP_EXIT_TIMEOUT, VMP_CFG_MAX_DISKS,
            VMP_EXIT_POWEROFF,
            VMP_EXIT_USAGE, VMP_EXIT_RESET, VMP_EXIT_INTERNAL, VMP_EXIT_SIGNAL);
}

int vmp_parse_size(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-')
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s)
        return -1;
    unsigned shift = 20;
    if (*end) {
        switch (*end) {
        case 'k': case 'K': shift = 10; break;
        case 'm': case 'M': shift = 20; break;
        case 'g': case 'G': shift = 30; break;
        case 't': case 'T': shift = 40; break;
        default: return -1;
        }
        end++;
        if (*end == 'i')
            end++;
        if (*end == 'B' || *end == 'b')
            end++;
        if (*end)
            return -1;
    }
    if (v > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

/* Setters shared by flags and JSON; `where` names the source for errors
 * ("--smp" or "machine.json: $.smp"). */
static int set_mem(struct vmp_config *c, const char *where, const char *s)
{
    uint64_t v;
    if (vmp_parse_size(s, &v) < 0)
        return vmp_err("%s: '%s' is not a size (use e.g. 512M or 2G)", where, s);
    if (v < VMP_CFG_MIN_MEM || v > VMP_CFG_MAX_MEM)
        return vmp_err("%s: %s: guest memory must be from 2M to 1T", where, s);
    c->mem = v;
    return 0;
}

static int set_smp(struct vmp_config *c, const char *where, long long n, const char *text)
{
    if (n < 1 || n > VMP_CFG_MAX_CPUS)
        return vmp_err("%s: %s: the number of vCPUs must be from 1 to %d", where, text,
                       VMP_CFG_MAX_CPUS);
    c->smp = (unsigned)n;
    return 0;
}

static int set_serial(struct vmp_config *c, const char *where, const char *s)
{
    free(c->serial_path);
    c->serial_path = NULL;
    if (!strcmp(s, "stdio")) {
        c->serial = VMP_SERIAL_STDIO;
    } else if (!strcmp(s, "none")) {
        c->serial = VMP_SERIAL_NONE;
    } else if (!strncmp(s, "file:", 5) && s[5]) {
        c->serial = VMP_SERIAL_FILE;
        c->serial_path = strdup(s + 5);
    } else {
        return vmp_err("%s: '%s': must be stdio, file:PATH or none", where, s);
    }
    return 0;
}

static int set_accel(struct vmp_config *c, const char *where, const char *s)
{
    if (strcmp(s, "kvm") != 0 && strcmp(s, "emu") != 0 && strcmp(s, "auto") != 0)
        return vmp_err("%s: '%s': unknown accelerator (kvm, emu or auto)", where, s);
    free(c->accel);
    c->accel = strdup(s);
    return 0;
}

static int add_module(struct vmp_config *c, const char *where, const char *s)
{
    if (c->nmodules == VMP_CFG_MAX_MODULES)
        return vmp_err("%s: at most %d modules", where, VMP_CFG_MAX_MODULES);
    c->modules[c->nmodules++] = strdup(s);
    return 0;
}

static int add_disk(struct vmp_config *c, const char *where, const char *s)
{
    if (!*s || *s == ',')
        return vmp_err("%s: '%s': give FILE or FILE,readonly", where, s);
    if (c->ndisks == VMP_CFG_MAX_DISKS)
        return vmp_err("%s: at most %d disks", where, VMP_CFG_MAX_DISKS);
    c->disks[c->ndisks++] = strdup(s);
    return 0;
}

static int set_load_addr(struct vmp_config *c, const char *where, const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *end || *s == '-' || v >= 0x100000000ull)
        return vmp_err("%s: '%s': must be an address below 4G", where, s);
    c->flat = true;
    c->load_addr = v;
    return 0;
}

static int set_timeout(struct vmp_config *c, const char *where, const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v > 0) || v > 1e9)
        return vmp_err("%s: '%s': must be a positive number of seconds", where, s);
    c->timeout = v;
    return 0;
}

static void set_str(char **dst, const char *s)
{
    free(*dst);
    *dst = strdup(s);
}

/* --- JSON --- */

static int json_string(const char *file, const char *key, const cJSON *v, const char **out)
{
    if (!cJSON_IsString(v) || !v->valuestring)
        return vmp_err("%s: $.%s: must be a string", file, key);
    *out = v->valuestring;
    return 0;
}

int vmp_config_load_json(struct vmp_config *c, const char *path)
{
    size_t len;
    char *text = vmp_read_file(path, &len, 1u << 20);
    if (!text)
        return vmp_err("--config %s: %s", path, strerror(errno));
    const char *endp = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &endp, 0);
    if (!root) {
        size_t off = endp ? (size_t)(endp - text) : 0;
        unsigned line = 1;
        for (size_t i = 0; i < off && i < len; i++)
            line += text[i] == '\n';
        free(text);
        return vmp_err("%s: line %u: JSON syntax error", path, line);
    }
    free(text);
    int r = 0;
    char where[512];
    if (!cJSON_IsObject(root)) {
        r = vmp_err("%s: $: the machine description must be a JSON object", path);
        goto out;
    }
    for (const cJSON *v = root->child; v && r == 0; v = v->next) {
        const char *k = v->string, *s = NULL;
        snprintf(where, sizeof where, "%s: $.%s", path, k);
        if (!strcmp(k, "kernel") || !strcmp(k, "initrd") || !strcmp(k, "append")) {
            if ((r = json_string(path, k, v, &s)) == 0)
                set_str(!strcmp(k, "kernel") ? &c->kernel
                        : !strcmp(k, "initrd") ? &c->initrd : &c->append, s);
        } else if (!strcmp(k, "modules")) {
            if (!cJSON_IsArray(v)) {
                r = vmp_err("%s: must be an array of strings", where);
                break;
            }
            int i = 0;
            for (const cJSON *m = v->child; m && r == 0; m = m->next, i++) {
                snprintf(where, sizeof where, "%s: $.modules[%d]", path, i);
                if (!cJSON_IsString(m))
                    r = vmp_err("%s: must be a string", where);
                else
                    r = add_module(c, where, m->valuestring);
            }
        } else if (!strcmp(k, "disks")) {
            if (!cJSON_IsArray(v)) {
                r = vmp_err("%s: must be an array of strings", where);
                break;
            }
            int i = 0;
            for (const cJSON *d = v->child; d && r == 0; d = d->next, i++) {
                snprintf(where, sizeof where, "%s: $.disks[%d]", path, i);
                if (!cJSON_IsString(d))
                    r = vmp_err("%s: must be a string", where);
                else
                    r = add_disk(c, where, d->valuestring);
            }
        } else if (!strcmp(k, "dump_acpi")) {
            if ((r = json_string(path, k, v, &s)) == 0)
                set_str(&c->dump_acpi, s);
        } else if (!strcmp(k, "mem")) {
            if (cJSON_IsNumber(v)) {
                char buf[64];
                if (v->valuedouble < 0 || v->valuedouble != (double)(long long)v->valuedouble) {
                    r = vmp_err("%s: must be a whole number of MiB or a size string", where);
                    break;
                }
                snprintf(buf, sizeof buf, "%lld", (long long)v->valuedouble);
                r = set_mem(c, where, buf);
            } else if ((r = json_string(path, k, v, &s)) == 0) {
                r = set_mem(c, where, s);
            }
        } else if (!strcmp(k, "smp")) {
            if (!cJSON_IsNumber(v) || v->valuedouble != (double)(long long)v->valuedouble) {
                r = vmp_err("%s: must be an integer", where);
                break;
            }
            char buf[64];
            snprintf(buf, sizeof buf, "%g", v->valuedouble);
            r = set_smp(c, where, (long long)v->valuedouble, buf);
        } else if (!strcmp(k, "accel")) {
            if ((r = json_string(path, k, v, &s)) == 0)
                r = set_accel(c, where, s);
        } else if (!strcmp(k, "serial")) {
            if ((r = json_string(path, k, v, &s)) == 0)
                r = set_serial(c, where, s);
        } else if (!strcmp(k, "load_addr")) {
            char buf[64];
            if (cJSON_IsNumber(v)) {
                snprintf(buf, sizeof buf, "%.0f", v->valuedouble);
                s = buf;
            } else if ((r = json_string(path, k, v, &s)) != 0) {
                break;
            }
            r = set_load_addr(c, where, s);
        } else if (!strcmp(k, "decompress")) {
            if (!cJSON_IsBool(v)) {
                r = vmp_err("%s: must be true or false", where);
                break;
            }
            c->no_decompress = cJSON_IsFalse(v);
        } else if (!strcmp(k, "timeout")) {
            char buf[64];
            if (!cJSON_IsNumber(v)) {
                r = vmp_err("%s: must be a number of seconds", where);
                break;
            }
            snprintf(buf, sizeof buf, "%.17g", v->valuedouble);
            r = set_timeout(c, where, buf);
        } else {
            r = vmp_err("%s: unknown key", where);
        }
    }
out:
    cJSON_Delete(root);
    return r;
}

/* --- flags --- */

enum {
    OPT_KERNEL = 256, OPT_INITRD, OPT_APPEND, OPT_MODULE, OPT_MEM, OPT_SMP, OPT_ACCEL,
    OPT_SERIAL, OPT_CONFIG, OPT_LOAD_ADDR, OPT_TIMEOUT, OPT_HELP, OPT_VERSION,
    OPT_NO_DECOMPRESS, OPT_DISK, OPT_DUMP_ACPI,
};

static const struct option options[] = {
    {"kernel", required_argument, 0, OPT_KERNEL},
    {"initrd", required_argument, 0, OPT_INITRD},
    {"append", required_argument, 0, OPT_APPEND},
    {"module", required_argument, 0, OPT_MODULE},
    {"mem", required_argument, 0, OPT_MEM},
    {"smp", required_argument, 0, OPT_SMP},
    {"accel", required_argument, 0, OPT_ACCEL},
    {"serial", required_argument, 0, OPT_SERIAL},
    {"config", required_argument, 0, OPT_CONFIG},
    {"load-addr", required_argument, 0, OPT_LOAD_ADDR},
    {"timeout", required_argument, 0, OPT_TIMEOUT},
    {"no-decompress", no_argument, 0, OPT_NO_DECOMPRESS},
    {"disk", required_argument, 0, OPT_DISK},
    {"dump-acpi", required_argument, 0, OPT_DUMP_ACPI},
    {"help", no_argument, 0, OPT_HELP},
    {"version", no_argument, 0, OPT_VERSION},
    {0, 0, 0, 0},
};

int vmp_config_parse(struct vmp_config *c, int argc, char **argv)
{
    /* The file first, so that flags override what it says. */
    for (int i = 1; i < argc; i++) {
        const char *path = NULL;
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            path = argv[i + 1];
        else if (!strncmp(argv[i], "--config=", 9))
            path = argv[i] + 9;
        if (path && vmp_config_load_json(c, path) < 0)
            return -1;
    }
    opterr = 0;
    optind = 1;
    int o;
    while ((o = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        int r = 0;
        switch (o) {
        case OPT_KERNEL: set_str(&c->kernel, optarg); break;
        case OPT_INITRD: set_str(&c->initrd, optarg); break;
        case OPT_APPEND: set_str(&c->append, optarg); break;
        case OPT_MODULE: r = add_module(c, "--module", optarg); break;
        case OPT_MEM: r = set_mem(c, "--mem", optarg); break;
        case OPT_SMP: {
            char *end;
            errno = 0;
            long long n = strtoll(optarg, &end, 10);
            if (errno || end == optarg || *end)
                r = vmp_err("--smp: '%s' is not a number", optarg);
            else
                r = set_smp(c, "--smp", n, optarg);
            break;
        }
        case OPT_ACCEL: r = set_accel(c, "--accel", optarg); break;
        case OPT_SERIAL: r = set_serial(c, "--serial", optarg); break;
        case OPT_CONFIG: break; /* applied above */
        case OPT_LOAD_ADDR: r = set_load_addr(c, "--load-addr", optarg); break;
        case OPT_TIMEOUT: r = set_timeout(c, "--timeout", optarg); break;
        case 'h':
        case OPT_HELP: c->help = true; break;
        case OPT_VERSION: c->version = true; break;
        case OPT_NO_DECOMPRESS: c->no_decompress = true; break;
        case OPT_DISK: r = add_disk(c, "--disk", optarg); break;
        case OPT_DUMP_ACPI: set_str(&c->dump_acpi, optarg); break;
        case ':': r = vmp_err("%s needs an argument", argv[optind - 1]); break;
        default: r = vmp_err("unknown option '%s' (see --help)", argv[optind - 1]); break;
        }
        if (r < 0)
            return -1;
    }
    if (optind < argc)
        return vmp_err("unexpected argument '%s' (see --help)", argv[optind]);
    if (c->help || c->version)
        return 0;
    if (!c->kernel && !c->ndisks && !c->dump_acpi)
        return vmp_err("no kernel or disk: give --kernel FILE or --disk FILE (see --help)");
    return 0;
}
