// Tests of the model-file loader (mn_model.c): every error path with its own status, truncation at
// every length, every single-bit flip, patched (and re-CRC'd) headers, tables and tensors, arena
// handling, and that a failed load leaves a loaded model and its arena untouched.
//
// The valid input is tests/fixtures/tiny.mnm (tools/python/mambanano/make_fixtures.py, a quantized model).
// Every test patches a copy of that file; no test depends on its particular values.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "mamba_nano.h"

namespace {

using Bytes = std::vector<uint8_t>;

// ---- file access ---------------------------------------------------------------------------

std::string fixture_path() { return std::string(MN_FIXTURE_DIR) + "/tiny.mnm"; }

const Bytes &valid_file()
{
    static const Bytes file = [] {
        std::ifstream f(fixture_path(), std::ios::binary);
        return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    }();
    return file;
}

uint16_t rd16(const Bytes &f, size_t pos)
{
    return static_cast<uint16_t>(f[pos] | (f[pos + 1] << 8));
}
uint32_t rd32(const Bytes &f, size_t pos)
{
    return static_cast<uint32_t>(f[pos]) | (static_cast<uint32_t>(f[pos + 1]) << 8) |
           (static_cast<uint32_t>(f[pos + 2]) << 16) | (static_cast<uint32_t>(f[pos + 3]) << 24);
}
int32_t rdi32(const Bytes &f, size_t pos) { return static_cast<int32_t>(rd32(f, pos)); }
void wr16(Bytes &f, size_t pos, uint32_t v)
{
    f[pos] = static_cast<uint8_t>(v);
    f[pos + 1] = static_cast<uint8_t>(v >> 8);
}
void wr32(Bytes &f, size_t pos, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        f[pos + i] = static_cast<uint8_t>(v >> (8 * i));
    }
}

// Header field offsets (mamba_nano.h).
constexpr size_t H_VERSION_MAJOR = 4, H_VERSION_MINOR = 6, H_HEADER_SIZE = 8, H_FILE_SIZE = 12;
constexpr size_t H_CRC = 16, H_TASK = 20, H_FRONTEND = 21, H_POOLING = 22, H_N_LAYERS = 23;
constexpr size_t H_N_FEATURES = 24, H_D_MODEL = 26, H_D_INNER = 28, H_D_STATE = 30, H_DT_RANK = 32;
constexpr size_t H_D_CONV = 34, H_N_CLASSES = 36, H_N_TENSORS = 38, H_TABLE_OFFSET = 40;

void recrc(Bytes &f) { wr32(f, H_CRC, mn_crc32(0, f.data() + 20, rd32(f, H_FILE_SIZE) - 20)); }

struct Entry {
    size_t pos; // of the entry in the file
    uint8_t kind, layer, dtype;
    uint16_t dim0, dim1;
    uint32_t offset, nbytes;
};

Entry entry_at(const Bytes &f, size_t i)
{
    const size_t pos = rd32(f, H_TABLE_OFFSET) + i * MN_TENSOR_ENTRY_SIZE;
    return Entry{pos,
                 f[pos],
                 f[pos + 1],
                 f[pos + 2],
                 rd16(f, pos + 4),
                 rd16(f, pos + 6),
                 rd32(f, pos + 8),
                 rd32(f, pos + 12)};
}

std::vector<Entry> entries(const Bytes &f)
{
    std::vector<Entry> out;
    for (size_t i = 0; i < rd16(f, H_N_TENSORS); i++) {
        out.push_back(entry_at(f, i));
    }
    return out;
}

void put_entry(Bytes &f, const Entry &e, size_t pos)
{
    f[pos] = e.kind;
    f[pos + 1] = e.layer;
    f[pos + 2] = e.dtype;
    f[pos + 3] = 0;
    wr16(f, pos + 4, e.dim0);
    wr16(f, pos + 6, e.dim1);
    wr32(f, pos + 8, e.offset);
    wr32(f, pos + 12, e.nbytes);
}

Entry find(const Bytes &f, int kind, int layer = 0)
{
    for (const Entry &e : entries(f)) {
        if (e.kind == kind && e.layer == layer) {
            return e;
        }
    }
    ADD_FAILURE() << "kind " << kind << " layer " << layer << " not in the fixture";
    return Entry{};
}

bool is_known_kind(int kind)
{
    return (kind >= MN_T_CLASS_NAMES && kind <= MN_T_POOL_SCALE) ||
           (kind >= MN_T_IN_PROJ_W && kind <= MN_T_ACT_SCALES);
}
bool is_rq(const Entry &e) { return e.dtype == MN_DTYPE_I32 && e.dim1 == 2; }
bool is_bias(const Entry &e)
{
    return e.kind == MN_T_IN_B || e.kind == MN_T_CLS_B || e.kind == MN_T_IN_PROJ_B ||
           e.kind == MN_T_CONV_B || e.kind == MN_T_DT_PROJ_B || e.kind == MN_T_OUT_PROJ_B;
}

// Write one int32/uint32 element of a tensor and re-CRC.
Bytes with_u32(Bytes f, int kind, int layer, size_t index, uint32_t value)
{
    const Entry e = find(f, kind, layer);
    wr32(f, e.offset + 4 * index, value);
    recrc(f);
    return f;
}

// The file with its table moved to the (16-aligned) end and `extra` appended to it.
Bytes with_extra_entry(const Bytes &src, const Entry &extra)
{
    Bytes f = src;
    f.resize((f.size() + 15) / 16 * 16, 0);
    const size_t table = f.size();
    const std::vector<Entry> es = entries(src);
    f.resize(table + (es.size() + 1) * MN_TENSOR_ENTRY_SIZE);
    for (size_t i = 0; i < es.size(); i++) {
        put_entry(f, es[i], table + i * MN_TENSOR_ENTRY_SIZE);
    }
    put_entry(f, extra, table + es.size() * MN_TENSOR_ENTRY_SIZE);
    wr32(f, H_TABLE_OFFSET, static_cast<uint32_t>(table));
    wr16(f, H_N_TENSORS, static_cast<uint32_t>(es.size() + 1));
    wr32(f, H_FILE_SIZE, static_cast<uint32_t>(f.size()));
    recrc(f);
    return f;
}

mn_status validate(const Bytes &f) { return mn_model_validate(f.data(), f.size()); }

// validate() and a load into a fresh arena must both report `want`.
void expect_status(const Bytes &f, mn_status want, const std::string &what)
{
    EXPECT_EQ(validate(f), want) << what << ": " << mn_status_message(validate(f));
    Bytes arena(f.size() + MN_TENSOR_ALIGN);
    mn_model model;
    EXPECT_EQ(mn_model_load(&model, arena.data(), arena.size(), f.data(), f.size()), want) << what;
}

// ---- a test-side map from kind to model field (independent of the loader's table) -----------

const void *field_of(const mn_model &m, int kind, int layer)
{
    const mn_layer &l = m.layers[layer];
    switch (kind) {
    case MN_T_CLASS_NAMES: return m.class_names;
    case MN_T_EXP2_LUT: return m.exp2_lut;
    case MN_T_IN_W: return m.in_w;
    case MN_T_IN_B: return m.in_b;
    case MN_T_IN_RQ: return m.in_rq;
    case MN_T_IN_WSCALE: return m.in_wscale;
    case MN_T_IN_BF: return m.in_bf;
    case MN_T_CLS_W: return m.cls_w;
    case MN_T_CLS_B: return m.cls_b;
    case MN_T_CLS_RQ: return m.cls_rq;
    case MN_T_CLS_WSCALE: return m.cls_wscale;
    case MN_T_CLS_BF: return m.cls_bf;
    case MN_T_POOL_SCALE: return m.pool_scale;
    case MN_T_IN_PROJ_W: return l.in_proj_w;
    case MN_T_IN_PROJ_B: return l.in_proj_b;
    case MN_T_IN_PROJ_RQ: return l.in_proj_rq;
    case MN_T_IN_PROJ_WSCALE: return l.in_proj_wscale;
    case MN_T_IN_PROJ_BF: return l.in_proj_bf;
    case MN_T_CONV_W: return l.conv_w;
    case MN_T_CONV_B: return l.conv_b;
    case MN_T_CONV_RQ: return l.conv_rq;
    case MN_T_CONV_WSCALE: return l.conv_wscale;
    case MN_T_CONV_BF: return l.conv_bf;
    case MN_T_SILU_X_LUT: return l.silu_x_lut;
    case MN_T_X_PROJ_W: return l.x_proj_w;
    case MN_T_X_PROJ_RQ: return l.x_proj_rq;
    case MN_T_X_PROJ_WSCALE: return l.x_proj_wscale;
    case MN_T_DT_PROJ_W: return l.dt_proj_w;
    case MN_T_DT_PROJ_B: return l.dt_proj_b;
    case MN_T_DT_PROJ_RQ: return l.dt_proj_rq;
    case MN_T_DT_PROJ_WSCALE: return l.dt_proj_wscale;
    case MN_T_DT_PROJ_BF: return l.dt_proj_bf;
    case MN_T_SOFTPLUS_LUT: return l.softplus_lut;
    case MN_T_A2: return l.a2;
    case MN_T_DBX_RQ: return l.dbx_rq;
    case MN_T_Y_RQ: return l.y_rq;
    case MN_T_D_RQ: return l.d_rq;
    case MN_T_D_F: return l.d_f;
    case MN_T_STATE_SCALE: return l.state_scale;
    case MN_T_SILU_Z_LUT: return l.silu_z_lut;
    case MN_T_OUT_PROJ_W: return l.out_proj_w;
    case MN_T_OUT_PROJ_B: return l.out_proj_b;
    case MN_T_OUT_PROJ_RQ: return l.out_proj_rq;
    case MN_T_OUT_PROJ_WSCALE: return l.out_proj_wscale;
    case MN_T_OUT_PROJ_BF: return l.out_proj_bf;
    case MN_T_ACT_SCALES: return l.act_scales;
    default: return nullptr; // INPUT_QUANT, SSM_PARAMS, GATE_RQ, RES_RQ are copied by value
    }
}

// A loaded model in an arena of exactly mn_model_arena_size() bytes, at a chosen misalignment.
struct Loaded {
    Bytes arena_storage;
    uint8_t *arena = nullptr;
    size_t arena_size = 0;
    mn_model model{};
    mn_status status = MN_ERR_NOT_LOADED;

    explicit Loaded(const Bytes &f, size_t misalign = 0)
    {
        arena_size = mn_model_arena_size(f.data(), f.size());
        arena_storage.resize(arena_size + 64);
        uint8_t *p = arena_storage.data();
        p += (64 - reinterpret_cast<uintptr_t>(p) % 64) % 64 + misalign; // 64-aligned + misalign
        arena = p;
        status = mn_model_load(&model, arena, arena_size, f.data(), f.size());
    }
    const uint8_t *base() const // where the file landed: arena aligned up to MN_TENSOR_ALIGN
    {
        const uintptr_t a = reinterpret_cast<uintptr_t>(arena);
        return arena + (MN_TENSOR_ALIGN - a % MN_TENSOR_ALIGN) % MN_TENSOR_ALIGN;
    }
};

// Every field of a loaded model against the file it came from.
// Every field of m from the file f, every pointer at its tensor in the copy of f at base (the
// arena, or the file itself when loaded in place), each aligned to `align`.
void expect_model_matches(const mn_model &m, const uint8_t *base, const Bytes &f, uintptr_t align)
{
    EXPECT_EQ(m.version_minor, rd16(f, H_VERSION_MINOR));
    EXPECT_EQ(m.task, f[H_TASK]);
    EXPECT_EQ(m.frontend, f[H_FRONTEND]);
    EXPECT_EQ(m.pooling, f[H_POOLING]);
    EXPECT_EQ(m.n_layers, f[H_N_LAYERS]);
    EXPECT_EQ(m.n_features, rd16(f, H_N_FEATURES));
    EXPECT_EQ(m.d_model, rd16(f, H_D_MODEL));
    EXPECT_EQ(m.d_inner, rd16(f, H_D_INNER));
    EXPECT_EQ(m.d_state, rd16(f, H_D_STATE));
    EXPECT_EQ(m.dt_rank, rd16(f, H_DT_RANK));
    EXPECT_EQ(m.d_conv, rd16(f, H_D_CONV));
    EXPECT_EQ(m.n_classes, rd16(f, H_N_CLASSES));
    EXPECT_EQ(m.crc32, rd32(f, H_CRC));
    EXPECT_EQ(std::memcmp(base, f.data(), rd32(f, H_FILE_SIZE)), 0) << "arena holds the file";

    int pointer_kinds = 0;
    for (const Entry &e : entries(f)) {
        if (!is_known_kind(e.kind)) {
            continue; // ignored entry of a newer minor version
        }
        const void *p = field_of(m, e.kind, e.layer);
        const std::string what =
            "kind " + std::to_string(e.kind) + " layer " + std::to_string(e.layer);
        if (p != nullptr) {
            pointer_kinds++;
            EXPECT_EQ(p, base + e.offset) << what;
            EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % align, 0u) << what;
            continue;
        }
        switch (e.kind) {
        case MN_T_INPUT_QUANT:
            EXPECT_EQ(std::memcmp(&m.input_scale, &f[e.offset], 4), 0);
            EXPECT_EQ(std::memcmp(&m.input_zero_point, &f[e.offset + 4], 4), 0);
            break;
        case MN_T_SSM_PARAMS:
            EXPECT_EQ(m.layers[e.layer].delta_frac_bits, rdi32(f, e.offset));
            EXPECT_EQ(m.layers[e.layer].a2_frac_bits, rdi32(f, e.offset + 4));
            EXPECT_EQ(m.layers[e.layer].exp_shift, rdi32(f, e.offset + 8));
            break;
        case MN_T_GATE_RQ:
            EXPECT_EQ(m.layers[e.layer].gate_rq.mult, rdi32(f, e.offset));
            EXPECT_EQ(m.layers[e.layer].gate_rq.shift, rdi32(f, e.offset + 4));
            break;
        case MN_T_RES_RQ:
            EXPECT_EQ(m.layers[e.layer].res_rq.mult, rdi32(f, e.offset));
            EXPECT_EQ(m.layers[e.layer].res_rq.shift, rdi32(f, e.offset + 4));
            break;
        default: ADD_FAILURE() << "unexpected " << what;
        }
    }
    // 13 global pointer kinds, 33 per-layer ones: every one of them was set.
    EXPECT_EQ(pointer_kinds, 13 + 33 * m.n_layers);
    for (int l = m.n_layers; l < MN_MAX_LAYERS; l++) {
        EXPECT_EQ(m.layers[l].in_proj_w, nullptr) << "unused layer " << l << " stays zero";
    }
}

void expect_model_matches(const Loaded &ld, const Bytes &f)
{
    expect_model_matches(ld.model, ld.base(), f, MN_TENSOR_ALIGN);
}

// ---- tests -----------------------------------------------------------------------------------

TEST(Loader, FixtureExists)
{
    ASSERT_FALSE(valid_file().empty())
        << fixture_path() << " missing: run tools/python/mambanano/make_fixtures.py";
    ASSERT_GE(valid_file().size(), static_cast<size_t>(MN_HEADER_SIZE));
    EXPECT_EQ(rd32(valid_file(), H_FILE_SIZE), valid_file().size());
}

TEST(Loader, Crc32IsZlibs)
{
    const uint8_t check[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
    EXPECT_EQ(mn_crc32(0, check, sizeof check), 0xCBF43926u); // CRC-32/IEEE check value
    EXPECT_EQ(mn_crc32(mn_crc32(0, check, 4), check + 4, 5), 0xCBF43926u) << "chaining";
    EXPECT_EQ(mn_crc32(0, check, 0), 0u);
    EXPECT_EQ(mn_crc32(0x12345678u, nullptr, 5), 0x12345678u);
    const uint8_t zeros[32] = {};
    EXPECT_EQ(mn_crc32(0, zeros, sizeof zeros), 0x190A55ADu); // zlib.crc32(bytes(32))
}

TEST(Loader, StatusMessagesAreDistinct)
{
#define MN_CODE(code, message) code,
    const mn_status codes[] = {MN_STATUS_MESSAGES(MN_CODE)}; // every mn_status of the contract
#undef MN_CODE
    std::vector<std::string> seen;
    for (const mn_status s : codes) {
        const std::string msg = mn_status_message(s);
        EXPECT_FALSE(msg.empty());
        EXPECT_NE(msg, "unknown status") << s;
        for (const std::string &other : seen) {
            EXPECT_NE(msg, other) << s;
        }
        seen.push_back(msg);
    }
    EXPECT_STREQ(mn_status_message(static_cast<mn_status>(99)), "unknown status");
}

TEST(Loader, StructSizeIsTheCompilersSizeof)
{
    EXPECT_EQ(mn_model_struct_size(), sizeof(mn_model)); // what ctypes callers allocate
}

TEST(Loader, ValidFileLoadsAndEveryFieldPointsAtItsTensor)
{
    const Bytes &f = valid_file();
    EXPECT_EQ(validate(f), MN_OK);
    EXPECT_EQ(mn_model_arena_size(f.data(), f.size()), f.size() + MN_TENSOR_ALIGN - 1);
    Loaded ld(f);
    ASSERT_EQ(ld.status, MN_OK) << mn_status_message(ld.status);
    expect_model_matches(ld, f);
}

TEST(Loader, UnalignedFileAndArenaLoad)
{
    const Bytes &src = valid_file();
    for (size_t file_mis = 0; file_mis < 4; file_mis++) {
        Bytes shifted(file_mis, 0xEE);
        shifted.insert(shifted.end(), src.begin(), src.end());
        EXPECT_EQ(mn_model_validate(shifted.data() + file_mis, src.size()), MN_OK);
        for (size_t arena_mis = 0; arena_mis < MN_TENSOR_ALIGN; arena_mis++) {
            Loaded ld(src, arena_mis);
            mn_model m2;
            ASSERT_EQ(
                mn_model_load(&m2, ld.arena, ld.arena_size, shifted.data() + file_mis, src.size()),
                MN_OK);
            ASSERT_EQ(ld.status, MN_OK) << "arena misaligned by " << arena_mis;
            ld.model = m2;
            expect_model_matches(ld, src);
        }
    }
}

// In place: the model points into the caller's file, which needs only MN_IN_PLACE_ALIGN; at any
// other address it is refused and the model is untouched.
TEST(Loader, InPlaceLoadPointsIntoTheFile)
{
    const Bytes &src = valid_file();
    for (size_t file_mis = 0; file_mis < MN_TENSOR_ALIGN; file_mis++) {
        std::vector<uint64_t> storage(src.size() / 8 + 3); // 8-byte aligned
        uint8_t *file = reinterpret_cast<uint8_t *>(storage.data()) + file_mis;
        std::memcpy(file, src.data(), src.size());
        mn_model m, before;
        std::memset(&m, 0xA5, sizeof m);
        before = m;
        const mn_status st = mn_model_load_in_place(&m, file, src.size());
        if (file_mis % MN_IN_PLACE_ALIGN == 0) {
            ASSERT_EQ(st, MN_OK) << "file at +" << file_mis;
            expect_model_matches(m, file, src, MN_IN_PLACE_ALIGN);
        } else {
            EXPECT_EQ(st, MN_ERR_ALIGN) << "file at +" << file_mis;
            EXPECT_EQ(std::memcmp(&m, &before, sizeof m), 0) << "a refused load wrote the model";
        }
    }
    mn_model m;
    EXPECT_EQ(mn_model_load_in_place(nullptr, src.data(), src.size()), MN_ERR_ARG);
    EXPECT_EQ(mn_model_load_in_place(&m, nullptr, src.size()), MN_ERR_ARG);
    Bytes bad = src;
    bad[bad.size() / 2] ^= 1;
    EXPECT_EQ(mn_model_load_in_place(&m, bad.data(), bad.size()), MN_ERR_CRC);
}

// The header knows the length: bytes after header.file_size (garbage appended to a valid model)
// are refused, however many, and the arena size of such a file is 0 (unreadable).
TEST(Loader, BytesAppendedAfterFileSizeAreRefused)
{
    for (size_t extra : {size_t{1}, size_t{15}, size_t{100}, size_t{1} << 20}) {
        Bytes f = valid_file();
        f.resize(f.size() + extra, 0x5A);
        expect_status(f, MN_ERR_TRAILING, std::to_string(extra) + " trailing bytes");
        EXPECT_EQ(mn_model_arena_size(f.data(), f.size()), 0u) << extra;
    }
    Bytes zeros = valid_file();
    zeros.resize(zeros.size() + 16, 0);
    expect_status(zeros, MN_ERR_TRAILING, "16 zero bytes of padding");
    EXPECT_EQ(std::string(mn_status_message(MN_ERR_TRAILING)),
              "bytes after the length its header gives (garbage appended)");
}

TEST(Loader, NullArguments)
{
    const Bytes &f = valid_file();
    Bytes arena(f.size() + MN_TENSOR_ALIGN);
    mn_model m;
    EXPECT_EQ(mn_model_validate(nullptr, f.size()), MN_ERR_ARG);
    EXPECT_EQ(mn_model_load(nullptr, arena.data(), arena.size(), f.data(), f.size()), MN_ERR_ARG);
    EXPECT_EQ(mn_model_load(&m, nullptr, arena.size(), f.data(), f.size()), MN_ERR_ARG);
    EXPECT_EQ(mn_model_load(&m, arena.data(), arena.size(), nullptr, f.size()), MN_ERR_ARG);
    EXPECT_EQ(mn_model_arena_size(nullptr, f.size()), 0u);
}

TEST(Loader, ArenaSizeIsZeroForUnreadableHeader)
{
    Bytes f = valid_file();
    EXPECT_EQ(mn_model_arena_size(f.data(), MN_HEADER_SIZE - 1), 0u);
    EXPECT_EQ(mn_model_arena_size(f.data(), f.size() - 1), 0u) << "header.file_size > size";
    Bytes bad_magic = f;
    bad_magic[0] = 'X';
    EXPECT_EQ(mn_model_arena_size(bad_magic.data(), bad_magic.size()), 0u);
    Bytes bad_major = f;
    wr16(bad_major, H_VERSION_MAJOR, MN_VERSION_MAJOR + 1);
    EXPECT_EQ(mn_model_arena_size(bad_major.data(), bad_major.size()), 0u);
}

TEST(Loader, TruncatedAtEveryLength)
{
    const Bytes &f = valid_file();
    for (size_t len = 0; len < f.size(); len++) {
        ASSERT_EQ(mn_model_validate(f.data(), len), MN_ERR_TRUNCATED) << "length " << len;
    }
    Bytes arena(f.size() + MN_TENSOR_ALIGN);
    mn_model m;
    for (size_t len = 0; len < f.size(); len += 61) {
        ASSERT_EQ(mn_model_load(&m, arena.data(), arena.size(), f.data(), len), MN_ERR_TRUNCATED)
            << len;
    }
}

TEST(Loader, HeaderFileSizeSmallerThanHeaderIsTruncated)
{
    Bytes f = valid_file();
    wr32(f, H_FILE_SIZE, MN_HEADER_SIZE - 1);
    expect_status(f, MN_ERR_TRUNCATED, "file_size 63");
}

// A flip inside [20, file_size) must be caught by the CRC; in [0, 20) by the header checks, except
// version_minor (bytes 6-7): it is outside the CRC, and a newer minor is readable by design.
TEST(Loader, EverySingleBitFlipIsRejected)
{
    const Bytes &src = valid_file();
    const uint32_t size = static_cast<uint32_t>(src.size());
    Bytes f = src;
    for (size_t byte = 0; byte < f.size(); byte++) {
        for (int bit = 0; bit < 8; bit++) {
            f[byte] ^= static_cast<uint8_t>(1u << bit);
            const mn_status st = validate(f);
            const std::string where =
                "byte " + std::to_string(byte) + " bit " + std::to_string(bit);
            if (byte < 4) {
                ASSERT_EQ(st, MN_ERR_MAGIC) << where;
            } else if (byte < 6 || (byte >= H_HEADER_SIZE && byte < H_FILE_SIZE)) {
                ASSERT_EQ(st, MN_ERR_VERSION) << where;
            } else if (byte < H_HEADER_SIZE) {
                ASSERT_EQ(st, MN_OK) << where << ": a newer minor version loads";
                Loaded ld(f);
                ASSERT_EQ(ld.status, MN_OK);
                EXPECT_EQ(ld.model.version_minor, rd16(f, H_VERSION_MINOR));
            } else if (byte < H_CRC) {
                const uint32_t declared = rd32(f, H_FILE_SIZE);
                const mn_status expected = (declared > size || declared < MN_HEADER_SIZE)
                                               ? MN_ERR_TRUNCATED
                                           : declared < size ? MN_ERR_TRAILING
                                                             : MN_ERR_CRC;
                ASSERT_EQ(st, expected) << where;
            } else {
                ASSERT_EQ(st, MN_ERR_CRC) << where;
            }
            f[byte] ^= static_cast<uint8_t>(1u << bit);
        }
    }
}

TEST(Loader, MagicAndVersion)
{
    Bytes f = valid_file();
    f[3] = 'X';
    expect_status(f, MN_ERR_MAGIC, "magic MNMX");

    for (uint32_t major : {0u, static_cast<uint32_t>(MN_VERSION_MAJOR + 1), 0xFFFFu}) {
        f = valid_file();
        wr16(f, H_VERSION_MAJOR, major);
        expect_status(f, MN_ERR_VERSION, "major " + std::to_string(major));
    }
    for (uint32_t header_size : {0u, MN_HEADER_SIZE - 1u, MN_HEADER_SIZE + 16u}) {
        f = valid_file();
        wr32(f, H_HEADER_SIZE, header_size);
        expect_status(f, MN_ERR_VERSION,
                      "header_size " + std::to_string(header_size) + " at minor 0");
    }

    f = valid_file();
    wr16(f, H_VERSION_MINOR, MN_VERSION_MINOR + 1);
    expect_status(f, MN_OK, "newer minor");
    Loaded ld(f);
    EXPECT_EQ(ld.model.version_minor, MN_VERSION_MINOR + 1);
    // A newer minor may grow the header, but the table must then lie past it.
    wr32(f, H_HEADER_SIZE, rd32(f, H_TABLE_OFFSET) + 16u);
    recrc(f);
    expect_status(f, MN_ERR_TENSOR_TABLE, "table inside a grown header");
}

TEST(Loader, CrcMismatch)
{
    Bytes f = valid_file();
    wr32(f, H_CRC, rd32(f, H_CRC) ^ 0x80000000u);
    expect_status(f, MN_ERR_CRC, "crc field");
    f = valid_file();
    f.back() ^= 0x01;
    expect_status(f, MN_ERR_CRC, "last payload byte");
}

TEST(Loader, DimsOutOfRange)
{
    struct Dim {
        size_t pos;
        int bytes;
        uint32_t max;
    };
    const Dim dims[] = {{H_N_LAYERS, 1, MN_MAX_LAYERS}, {H_N_FEATURES, 2, MN_MAX_FEATURES},
                        {H_D_MODEL, 2, MN_MAX_D_MODEL}, {H_D_INNER, 2, MN_MAX_D_INNER},
                        {H_D_STATE, 2, MN_MAX_D_STATE}, {H_DT_RANK, 2, MN_MAX_DT_RANK},
                        {H_D_CONV, 2, MN_MAX_D_CONV},   {H_N_CLASSES, 2, MN_MAX_CLASSES}};
    for (const Dim &d : dims) {
        for (uint32_t v : {0u, d.max + 1, d.bytes == 1 ? 0xFFu : 0xFFFFu}) {
            Bytes f = valid_file();
            if (d.bytes == 1) {
                f[d.pos] = static_cast<uint8_t>(v);
            } else {
                wr16(f, d.pos, v);
            }
            recrc(f);
            expect_status(f, MN_ERR_DIMS,
                          "header byte " + std::to_string(d.pos) + " = " + std::to_string(v));
        }
    }
    const struct {
        size_t pos;
        uint8_t value;
    } enums[] = {{H_TASK, 0},     {H_TASK, MN_TASK_KWS + 1},
                 {H_FRONTEND, 0}, {H_FRONTEND, MN_FRONTEND_RAW + 1},
                 {H_POOLING, 0},  {H_POOLING, MN_POOL_MEAN + 1}};
    for (const auto &e : enums) {
        Bytes f = valid_file();
        f[e.pos] = e.value;
        recrc(f);
        expect_status(f, MN_ERR_DIMS,
                      "header byte " + std::to_string(e.pos) + " = " + std::to_string(e.value));
    }
    for (uint8_t task : {static_cast<uint8_t>(MN_TASK_HAR), static_cast<uint8_t>(MN_TASK_KWS)}) {
        Bytes f = valid_file();
        f[H_TASK] = task;
        recrc(f);
        expect_status(f, MN_OK, "task " + std::to_string(task));
    }
}

// Dims in range that disagree with the tensors: the first tensor using the dim fails its shape.
TEST(Loader, DimsThatDisagreeWithTensors)
{
    for (size_t pos :
         {H_N_FEATURES, H_D_MODEL, H_D_INNER, H_D_STATE, H_DT_RANK, H_D_CONV, H_N_CLASSES}) {
        for (int delta : {-1, +1}) {
            Bytes f = valid_file();
            const int v = rd16(f, pos) + delta;
            if (v < 1) {
                continue;
            }
            wr16(f, pos, static_cast<uint32_t>(v));
            recrc(f);
            expect_status(f, MN_ERR_TENSOR_SHAPE,
                          "header byte " + std::to_string(pos) + " = " + std::to_string(v));
        }
    }
    Bytes f = valid_file();
    if (f[H_N_LAYERS] < MN_MAX_LAYERS) {
        f[H_N_LAYERS]++;
        recrc(f);
        expect_status(f, MN_ERR_TENSOR_MISSING, "one layer more than the tensors");
    }
    f = valid_file();
    if (f[H_N_LAYERS] > 1) {
        f[H_N_LAYERS]--;
        recrc(f);
        expect_status(f, MN_ERR_TENSOR_TABLE, "tensors of a layer past n_layers");
    }
}

TEST(Loader, TensorTableBounds)
{
    const uint32_t size = static_cast<uint32_t>(valid_file().size());
    for (uint32_t off : {0u, 16u, MN_HEADER_SIZE - 1u, size - 8u, size}) {
        Bytes f = valid_file();
        wr32(f, H_TABLE_OFFSET, off);
        recrc(f);
        expect_status(f, MN_ERR_TENSOR_TABLE, "table_offset " + std::to_string(off));
    }
    Bytes f = valid_file();
    wr16(f, H_N_TENSORS, 0xFFFF);
    recrc(f);
    expect_status(f, MN_ERR_TENSOR_TABLE, "n_tensors 65535");
    f = valid_file();
    wr32(f, H_TABLE_OFFSET, 0xFFFFFFF0u);
    recrc(f);
    expect_status(f, MN_ERR_OVERFLOW, "table_offset + n_tensors * 16 past 2^32");
    f = valid_file();
    wr16(f, H_N_TENSORS, 0);
    recrc(f);
    expect_status(f, MN_ERR_TENSOR_MISSING, "empty table");
}

TEST(Loader, UnknownKindLayerAndDuplicateEntries)
{
    const Entry first = entry_at(valid_file(), 0);
    for (uint8_t kind : {0, 15, 31, MN_T_ACT_SCALES + 1, 200, 255}) {
        Bytes f = valid_file();
        Entry e = first;
        e.kind = kind;
        put_entry(f, e, e.pos);
        recrc(f);
        expect_status(f, MN_ERR_TENSOR_TABLE, "kind " + std::to_string(kind));
    }
    const uint8_t n_layers = valid_file()[H_N_LAYERS];
    for (const Entry &src : entries(valid_file())) {
        const bool per_layer = src.kind >= MN_T_IN_PROJ_W;
        for (uint8_t layer :
             {per_layer ? n_layers : static_cast<uint8_t>(1), static_cast<uint8_t>(255)}) {
            Bytes f = valid_file();
            Entry e = src;
            e.layer = layer;
            put_entry(f, e, e.pos);
            recrc(f);
            expect_status(f, MN_ERR_TENSOR_TABLE,
                          "kind " + std::to_string(e.kind) + " layer " + std::to_string(layer));
        }
    }
    Bytes f = valid_file();
    const Entry second = entry_at(f, 1);
    Entry dup = first;
    dup.pos = second.pos;
    put_entry(f, dup, dup.pos);
    recrc(f);
    expect_status(f, MN_ERR_TENSOR_TABLE, "entry 1 duplicates entry 0");

    f = with_extra_entry(valid_file(), first);
    expect_status(f, MN_ERR_TENSOR_TABLE, "an extra copy of entry 0");
}

TEST(Loader, UnknownKindIsIgnoredOnlyInNewerMinor)
{
    Entry extra{};
    extra.kind = 200;
    extra.dtype = 99;
    extra.offset = 0xFFFFFFFFu; // never read: an ignored entry is not checked
    extra.nbytes = 7;
    Bytes f = with_extra_entry(valid_file(), extra);
    expect_status(f, MN_ERR_TENSOR_TABLE, "unknown kind at our minor");
    wr16(f, H_VERSION_MINOR, MN_VERSION_MINOR + 1);
    expect_status(f, MN_OK, "unknown kind at a newer minor");
    Loaded ld(f);
    ASSERT_EQ(ld.status, MN_OK);
    expect_model_matches(ld, f);
}

TEST(Loader, EveryTensorIsRequired)
{
    const Bytes &src = valid_file();
    const std::vector<Entry> es = entries(src);
    for (size_t i = 0; i < es.size(); i++) {
        Bytes f = src;
        put_entry(f, es.back(), es[i].pos); // the last entry takes i's place; the table shrinks
        wr16(f, H_N_TENSORS, static_cast<uint32_t>(es.size() - 1));
        recrc(f);
        expect_status(f, MN_ERR_TENSOR_MISSING,
                      "without kind " + std::to_string(es[i].kind) + " layer " +
                          std::to_string(es[i].layer));
    }
}

TEST(Loader, TensorDtypeShapeAndSize)
{
    for (const Entry &src : entries(valid_file())) {
        const std::string what =
            "kind " + std::to_string(src.kind) + " layer " + std::to_string(src.layer);
        const uint32_t elem = src.nbytes / (src.dim0 * src.dim1);
        Entry variants[5] = {src, src, src, src, src};
        variants[0].dtype =
            static_cast<uint8_t>(src.dtype == MN_DTYPE_F32 ? MN_DTYPE_I32 : src.dtype + 1);
        variants[1].dim0++;
        variants[1].nbytes += src.dim1 * elem; // consistent size, wrong shape
        variants[2].dim1++;
        variants[2].nbytes += src.dim0 * elem;
        variants[3].nbytes++;
        variants[4].dtype = 0;
        for (const Entry &e : variants) {
            Bytes f = valid_file();
            put_entry(f, e, e.pos);
            recrc(f);
            expect_status(f, MN_ERR_TENSOR_SHAPE, what);
        }
    }
}

TEST(Loader, TensorAlignmentOverflowAndBounds)
{
    const Bytes &src = valid_file();
    const uint32_t size = static_cast<uint32_t>(src.size());
    const uint32_t table = rd32(src, H_TABLE_OFFSET);
    const uint32_t table_end = table + rd16(src, H_N_TENSORS) * MN_TENSOR_ENTRY_SIZE;
    for (const Entry &orig : entries(src)) {
        const std::string what =
            "kind " + std::to_string(orig.kind) + " layer " + std::to_string(orig.layer);
        auto patched = [&](uint32_t offset) {
            Bytes f = src;
            Entry e = orig;
            e.offset = offset;
            put_entry(f, e, e.pos);
            recrc(f);
            return f;
        };
        for (uint32_t mis : {1u, 4u, 8u, 15u}) {
            expect_status(patched(orig.offset + mis), MN_ERR_ALIGN, what + " misaligned");
        }
        // 0xFFFFFFF0 + nbytes wraps 32 bits from nbytes 16 on; below that it is merely outside the file.
        expect_status(patched(0xFFFFFFF0u),
                      orig.nbytes >= 16 ? MN_ERR_OVERFLOW : MN_ERR_TENSOR_BOUNDS,
                      what + " at 2^32 - 16");
        expect_status(patched(0u), MN_ERR_TENSOR_BOUNDS, what + " over the header");
        expect_status(patched(48u), MN_ERR_TENSOR_BOUNDS, what + " over the header's end");
        expect_status(patched(table), MN_ERR_TENSOR_BOUNDS, what + " over the table start");
        expect_status(patched((table_end - 1) / 16 * 16), MN_ERR_TENSOR_BOUNDS,
                      what + " over the table end");
        expect_status(patched((size + 15) / 16 * 16), MN_ERR_TENSOR_BOUNDS, what + " past the end");
        const uint32_t last_fit =
            (size - orig.nbytes) / 16 * 16; // largest aligned offset that fits
        expect_status(patched(last_fit + 16), MN_ERR_TENSOR_BOUNDS,
                      what + " one step past the last fit");
    }
}

TEST(Loader, RqShiftRange)
{
    int checked = 0;
    for (const Entry &e : entries(valid_file())) {
        if (!is_rq(e)) {
            continue;
        }
        checked++;
        const std::string what =
            "kind " + std::to_string(e.kind) + " layer " + std::to_string(e.layer);
        for (size_t row : {static_cast<size_t>(0), static_cast<size_t>(e.dim0 - 1)}) {
            const size_t shift = 2 * row + 1;
            expect_status(with_u32(valid_file(), e.kind, e.layer, shift, static_cast<uint32_t>(-1)),
                          MN_ERR_PARAM, what);
            expect_status(with_u32(valid_file(), e.kind, e.layer, shift, 63), MN_ERR_PARAM, what);
            expect_status(with_u32(valid_file(), e.kind, e.layer, shift, 0x80000000u), MN_ERR_PARAM,
                          what);
            expect_status(with_u32(valid_file(), e.kind, e.layer, shift, 62), MN_OK, what);
            expect_status(with_u32(valid_file(), e.kind, e.layer, shift, 0), MN_OK, what);
        }
        // mult is any int32
        expect_status(with_u32(valid_file(), e.kind, e.layer, 0, 0x80000000u), MN_OK, what);
    }
    EXPECT_EQ(checked, 2 + 10 * valid_file()[H_N_LAYERS]);
}

TEST(Loader, BiasRange)
{
    int checked = 0;
    for (const Entry &e : entries(valid_file())) {
        if (!is_bias(e)) {
            continue;
        }
        checked++;
        const std::string what =
            "kind " + std::to_string(e.kind) + " layer " + std::to_string(e.layer);
        const size_t last = e.dim0 - 1u;
        for (uint32_t bad :
             {1u << 30, static_cast<uint32_t>(-(1 << 30)), 0x7FFFFFFFu, 0x80000000u}) {
            expect_status(with_u32(valid_file(), e.kind, e.layer, 0, bad), MN_ERR_PARAM, what);
            expect_status(with_u32(valid_file(), e.kind, e.layer, last, bad), MN_ERR_PARAM, what);
        }
        for (uint32_t good : {(1u << 30) - 1u, static_cast<uint32_t>(-(1 << 30) + 1)}) {
            expect_status(with_u32(valid_file(), e.kind, e.layer, last, good), MN_OK, what);
        }
    }
    EXPECT_EQ(checked, 2 + 4 * valid_file()[H_N_LAYERS]);
}

TEST(Loader, FloatTensorsMustBeFinite)
{
    int checked = 0;
    for (const Entry &e : entries(valid_file())) {
        if (e.dtype != MN_DTYPE_F32) {
            continue;
        }
        checked++;
        const std::string what =
            "kind " + std::to_string(e.kind) + " layer " + std::to_string(e.layer);
        const size_t last = e.nbytes / 4 - 1;
        for (uint32_t bits : {0x7FC00000u, 0x7F800001u, 0xFFC00000u, 0x7F800000u, 0xFF800000u}) {
            expect_status(with_u32(valid_file(), e.kind, e.layer, last, bits), MN_ERR_PARAM, what);
        }
        expect_status(with_u32(valid_file(), e.kind, e.layer, last, 0x7F7FFFFFu), MN_OK,
                      what + " FLT_MAX");
    }
    EXPECT_EQ(checked, 6 + 12 * valid_file()[H_N_LAYERS]);
}

TEST(Loader, InputQuantScaleMustBePositive)
{
    for (uint32_t scale : {0u, 0x80000000u, 0xBF800000u, 0x7FC00000u, 0x7F800000u}) {
        expect_status(with_u32(valid_file(), MN_T_INPUT_QUANT, 0, 0, scale), MN_ERR_PARAM,
                      "scale bits " + std::to_string(scale));
    }
    expect_status(with_u32(valid_file(), MN_T_INPUT_QUANT, 0, 0, 1u), MN_OK,
                  "smallest denormal scale");
    expect_status(with_u32(valid_file(), MN_T_INPUT_QUANT, 0, 1, 0x7FC00000u), MN_ERR_PARAM,
                  "NaN zero point");
    expect_status(with_u32(valid_file(), MN_T_INPUT_QUANT, 0, 1, 0xC3000000u), MN_OK,
                  "zero point -128");
}

TEST(Loader, ClassNamesMustBeTerminated)
{
    const Entry e = find(valid_file(), MN_T_CLASS_NAMES);
    for (uint16_t c = 0; c < e.dim0; c++) {
        Bytes f = valid_file();
        std::memset(&f[e.offset + c * MN_CLASS_NAME_BYTES], 'A', MN_CLASS_NAME_BYTES);
        recrc(f);
        expect_status(f, MN_ERR_PARAM, "class " + std::to_string(c) + " unterminated");
        f[e.offset + c * MN_CLASS_NAME_BYTES + MN_CLASS_NAME_BYTES - 1] = 0;
        recrc(f);
        expect_status(f, MN_OK, "class " + std::to_string(c) + " of 15 characters");
        Loaded ld(f);
        ASSERT_EQ(ld.status, MN_OK);
        EXPECT_STREQ(mn_class_name(&ld.model, c), "AAAAAAAAAAAAAAA");
    }
}

TEST(Loader, Exp2LutRange)
{
    const Entry e = find(valid_file(), MN_T_EXP2_LUT);
    auto with_lut = [&](size_t i, uint16_t v) {
        Bytes f = valid_file();
        wr16(f, e.offset + 2 * i, v);
        recrc(f);
        return f;
    };
    const Bytes &f = valid_file();
    expect_status(with_lut(0, 32769), MN_ERR_PARAM, "lut[0] above 2^15");
    expect_status(with_lut(0, 0xFFFF), MN_ERR_PARAM, "lut[0] 65535");
    expect_status(with_lut(10, static_cast<uint16_t>(rd16(f, e.offset + 18) + 1)), MN_ERR_PARAM,
                  "increasing");
    expect_status(with_lut(MN_EXP2_LUT_SIZE - 1, 0), MN_OK, "last entry 0");
    Bytes zero = f;
    std::memset(&zero[e.offset], 0, e.nbytes);
    recrc(zero);
    expect_status(zero, MN_ERR_PARAM, "all zero");
}

TEST(Loader, A2BelowTwoToThe15)
{
    const Entry e = find(valid_file(), MN_T_A2);
    auto with_a2 = [&](size_t i, uint16_t v) {
        Bytes f = valid_file();
        wr16(f, e.offset + 2 * i, v);
        recrc(f);
        return f;
    };
    expect_status(with_a2(0, 0x7FFF), MN_OK, "a2 32767");
    expect_status(with_a2(0, 0x8000), MN_ERR_PARAM, "a2 32768");
    expect_status(with_a2(e.nbytes / 2 - 1, 0xFFFF), MN_ERR_PARAM, "last a2 65535");
}

TEST(Loader, SsmParamsRange)
{
    for (uint8_t l = 0; l < valid_file()[H_N_LAYERS]; l++) {
        auto with_params = [&](int32_t dfb, int32_t afb, int32_t shift) {
            Bytes f = with_u32(valid_file(), MN_T_SSM_PARAMS, l, 0, static_cast<uint32_t>(dfb));
            f = with_u32(f, MN_T_SSM_PARAMS, l, 1, static_cast<uint32_t>(afb));
            return with_u32(f, MN_T_SSM_PARAMS, l, 2, static_cast<uint32_t>(shift));
        };
        const std::string what = "layer " + std::to_string(l);
        expect_status(with_params(8, 12, 10), MN_OK, what);
        expect_status(with_params(16, 16, 22), MN_OK, what + " largest");
        expect_status(with_params(5, 5, 0), MN_OK, what + " exp_shift 0");
        expect_status(with_params(8, 12, 11), MN_ERR_PARAM, what + " exp_shift != sum - 10");
        expect_status(with_params(4, 4, -2), MN_ERR_PARAM, what + " negative exp_shift");
        expect_status(with_params(-1, 12, 1), MN_ERR_PARAM, what + " delta_frac_bits -1");
        expect_status(with_params(17, 12, 19), MN_ERR_PARAM, what + " delta_frac_bits 17");
        expect_status(with_params(12, -1, 1), MN_ERR_PARAM, what + " a2_frac_bits -1");
        expect_status(with_params(12, 17, 19), MN_ERR_PARAM, what + " a2_frac_bits 17");
        expect_status(with_params(16, 16, 32), MN_ERR_PARAM, what + " exp_shift 32");
    }
}

TEST(Loader, ArenaTooSmall)
{
    const Bytes &f = valid_file();
    const size_t file_size = f.size();
    for (size_t mis = 0; mis < MN_TENSOR_ALIGN; mis++) {
        Loaded ld(f, mis); // arena of exactly mn_model_arena_size(): fits at every misalignment
        ASSERT_EQ(ld.status, MN_OK) << mis;
        const size_t pad = (MN_TENSOR_ALIGN - mis) % MN_TENSOR_ALIGN;
        mn_model m;
        EXPECT_EQ(mn_model_load(&m, ld.arena, pad + file_size, f.data(), f.size()), MN_OK) << mis;
        EXPECT_EQ(mn_model_load(&m, ld.arena, pad + file_size - 1, f.data(), f.size()),
                  MN_ERR_ARENA_TOO_SMALL)
            << mis;
        EXPECT_EQ(mn_model_load(&m, ld.arena, pad > 0 ? pad - 1 : 0, f.data(), f.size()),
                  MN_ERR_ARENA_TOO_SMALL)
            << mis;
    }
}

// On any error, neither the model struct nor the arena changes, so the loaded model keeps working.
TEST(Loader, FailedLoadLeavesModelAndArenaUntouched)
{
    const Bytes &good = valid_file();
    Loaded ld(good, 3);
    ASSERT_EQ(ld.status, MN_OK);

    std::vector<std::pair<Bytes, mn_status>> bad;
    bad.emplace_back(Bytes(good.begin(), good.end() - 1), MN_ERR_TRUNCATED);
    Bytes f = good;
    f[0] = 'X';
    bad.emplace_back(f, MN_ERR_MAGIC);
    f = good;
    f[100] ^= 1;
    bad.emplace_back(f, MN_ERR_CRC);
    f = good;
    wr16(f, H_D_MODEL, 0);
    recrc(f);
    bad.emplace_back(f, MN_ERR_DIMS);
    f = good;
    wr16(f, H_D_MODEL, rd16(good, H_D_MODEL) + 1);
    recrc(f);
    bad.emplace_back(f, MN_ERR_TENSOR_SHAPE);
    bad.emplace_back(with_u32(good, MN_T_SSM_PARAMS, 0, 2, 99), MN_ERR_PARAM);
    // A different, valid model that does not fit the arena.
    Bytes bigger = with_extra_entry(good, entry_at(good, 0));
    wr16(bigger, H_N_TENSORS, rd16(good, H_N_TENSORS)); // the extra entry is beyond n_tensors
    recrc(bigger);
    ASSERT_EQ(validate(bigger), MN_OK);
    bad.emplace_back(bigger, MN_ERR_ARENA_TOO_SMALL);

    const mn_model model_before = ld.model;
    const Bytes arena_before(ld.arena, ld.arena + ld.arena_size);
    for (const auto &b : bad) {
        EXPECT_EQ(mn_model_load(&ld.model, ld.arena, ld.arena_size, b.first.data(), b.first.size()),
                  b.second)
            << mn_status_message(b.second);
        EXPECT_EQ(std::memcmp(&ld.model, &model_before, sizeof model_before), 0)
            << mn_status_message(b.second);
        EXPECT_EQ(std::memcmp(ld.arena, arena_before.data(), ld.arena_size), 0)
            << mn_status_message(b.second);
    }
    expect_model_matches(ld, good);
}

// The file may already sit in the arena (memmove, not memcpy).
TEST(Loader, ReloadFromTheArenaItself)
{
    const Bytes &f = valid_file();
    Loaded ld(f, 5);
    ASSERT_EQ(ld.status, MN_OK);
    // The file sits at base(); load again into the same arena: pad and copy overlap exactly.
    ASSERT_EQ(mn_model_load(&ld.model, ld.arena, ld.arena_size, ld.base(), f.size()), MN_OK);
    expect_model_matches(ld, f);
}

TEST(Loader, ClassNames)
{
    const Bytes &f = valid_file();
    Loaded ld(f);
    ASSERT_EQ(ld.status, MN_OK);
    const Entry e = find(f, MN_T_CLASS_NAMES);
    for (int c = 0; c < ld.model.n_classes; c++) {
        const char *expect = reinterpret_cast<const char *>(&f[e.offset + c * MN_CLASS_NAME_BYTES]);
        EXPECT_STREQ(mn_class_name(&ld.model, c), expect);
    }
    EXPECT_STREQ(mn_class_name(&ld.model, -1), "");
    EXPECT_STREQ(mn_class_name(&ld.model, ld.model.n_classes), "");
    EXPECT_STREQ(mn_class_name(nullptr, 0), "");
    mn_model empty{};
    EXPECT_STREQ(mn_class_name(&empty, 0), "");
}

// ---- scalar-A heads (format 1.2): the variant is A2's shape ---------------------------------

// The fixture with layer 0's A2 entry reshaped to (dim0, dim1) in place (its first dim0 * dim1
// values), at version minor `minor`, re-CRC'd.
Bytes with_a2_shape(uint16_t dim0, uint16_t dim1, uint16_t minor = MN_SCALAR_A_MINOR)
{
    Bytes f = valid_file();
    Entry e = find(f, MN_T_A2, 0);
    e.dim0 = dim0;
    e.dim1 = dim1;
    e.nbytes = 2u * dim0 * dim1;
    put_entry(f, e, e.pos);
    wr16(f, H_VERSION_MINOR, minor);
    recrc(f);
    return f;
}

TEST(Loader, ScalarAHeadsLoad)
{
    const uint16_t E = rd16(valid_file(), H_D_INNER);
    ASSERT_EQ(E % 4, 0) << "the fixture's d_inner must have the divisors used here";
    for (uint16_t heads : {uint16_t{1}, uint16_t(E / 4), E}) {
        const Bytes f = with_a2_shape(heads, 1);
        Loaded ld(f);
        ASSERT_EQ(ld.status, MN_OK) << "H " << heads << ": " << mn_status_message(ld.status);
        EXPECT_EQ(ld.model.layers[0].a_heads, heads);
        EXPECT_EQ(ld.model.layers[0].a2, field_of(ld.model, MN_T_A2, 0));
        expect_model_matches(ld, f);
    }
}

TEST(Loader, PerStateAHasNoHeads)
{
    for (uint16_t minor : {uint16_t{0}, uint16_t{1}, uint16_t{MN_SCALAR_A_MINOR}}) {
        Bytes f = valid_file(); // a full file: its flags are 0, as 1.0 requires
        wr16(f, H_VERSION_MINOR, minor);
        Loaded ld(f);
        ASSERT_EQ(ld.status, MN_OK) << "minor " << minor;
        EXPECT_EQ(ld.model.layers[0].a_heads, 0) << "minor " << minor;
    }
}

TEST(Loader, ScalarAHeadsBadShapes)
{
    const Bytes &v = valid_file();
    const uint16_t E = rd16(v, H_D_INNER), N = rd16(v, H_D_STATE);
    ASSERT_GT(2 * E, 3);
    expect_status(with_a2_shape(3, 1), E % 3 == 0 ? MN_OK : MN_ERR_TENSOR_SHAPE,
                  "H not dividing E");
    expect_status(with_a2_shape(static_cast<uint16_t>(2 * E), 1), MN_ERR_TENSOR_SHAPE, "H = 2E");
    expect_status(with_a2_shape(0, 1), MN_ERR_TENSOR_SHAPE, "H = 0");
    expect_status(with_a2_shape(static_cast<uint16_t>(E / 2), 2), MN_ERR_TENSOR_SHAPE, "(E/2, 2)");
    expect_status(with_a2_shape(E, static_cast<uint16_t>(N + 1)), MN_ERR_TENSOR_SHAPE, "(E, N+1)");
    expect_status(with_a2_shape(1, E), MN_ERR_TENSOR_SHAPE, "(1, E)");
}

TEST(Loader, ScalarAHeadsNeedMinor2)
{
    const uint16_t E = rd16(valid_file(), H_D_INNER);
    for (uint16_t minor = 0; minor < MN_SCALAR_A_MINOR; minor++) {
        const Bytes f = with_a2_shape(static_cast<uint16_t>(E / 4), 1, minor);
        expect_status(f, MN_ERR_TENSOR_SHAPE, "scalar-A heads at minor " + std::to_string(minor));
    }
}

TEST(Loader, ScalarAHeadsValuesChecked)
{
    const uint16_t E = rd16(valid_file(), H_D_INNER);
    Bytes f = with_a2_shape(static_cast<uint16_t>(E / 4), 1);
    const Entry e = find(f, MN_T_A2, 0);
    wr16(f, e.offset + 2u * (e.dim0 - 1u), 0x8000u); // the last head's |A| code >= 2^15
    recrc(f);
    expect_status(f, MN_ERR_PARAM, "a2 of a head >= 2^15");
}

} // namespace
