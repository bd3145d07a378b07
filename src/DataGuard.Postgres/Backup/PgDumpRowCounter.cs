using System.Text;

namespace DataGuard.Postgres.Backup;

/// <summary>
/// Counts the rows of every table in an uncompressed pg_dump custom-format archive as it streams past, so that the
/// manifest's row counts come from the dumped data itself instead of a second full scan of every table competing
/// with pg_dump for the CPU. It reads the archive's header and table of contents (to map each data block to its
/// table) and then the data blocks: each <c>TABLE DATA</c> block is the table's <c>COPY</c> text, one line per row,
/// ended by a <c>\.</c> line. Archive versions 1.12 to 1.16 (pg_dump 11 to 17) are understood; anything else, or a
/// compressed archive, stops the counter (<see cref="FailureReason"/>) and leaves the bytes untouched: the caller then
/// counts in the snapshot as before.
/// </summary>
internal sealed class PgDumpRowCounter
{
    private const int BlockData = 1;
    private const int BlockBlobs = 3;
    private const int MaxHeadBytes = 256 * 1024 * 1024;
    private static readonly byte[] Magic = "PGDMP"u8.ToArray();

    private readonly Dictionary<long, string> _tables = [];
    private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly byte[] _scratch = new byte[16];
    private byte[]? _head = new byte[64 * 1024];
    private int _headLength;
    private int _headCursor;
    private bool _headerRead;
    private int _version;
    private int _intSize;
    private int _offSize;
    private long _tocCount;
    private long _tocRead;
    private Phase _phase = Phase.Head;
    private DataState _state = DataState.BlockType;
    private int _scratchLength;
    private int _blockType;
    private long _remaining;
    private string? _table;
    private long _rows;
    private LineState _line;

    private enum Phase
    {
        Head,
        Data,
        Failed,
    }

    private enum DataState
    {
        BlockType,
        BlockId,
        ChunkLength,
        ChunkData,
        BlobOid,
    }

    private enum LineState
    {
        MidLine,
        LineStart,
        Backslash,
        BackslashDot,
        Ended,
    }

    /// <summary>Gets why the counter stopped (an archive it does not understand), or <see langword="null"/>.</summary>
    public string? FailureReason { get; private set; }

    /// <summary>Gets a value indicating whether everything fed so far ended exactly between two data blocks (a whole archive does).</summary>
    public bool IsAtBlockBoundary => _phase == Phase.Data && _state == DataState.BlockType && _scratchLength == 0;

    /// <summary>Gets the row count of every table whose data block ended, by <c>schema.table</c>.</summary>
    public IReadOnlyDictionary<string, long> Counts => _counts;

    /// <summary>Gets the tables whose data the table of contents announces (<c>schema.table</c>), once it has been read.</summary>
    public IEnumerable<string> AnnouncedTables => _tables.Values;

    /// <summary>Reads the next bytes of the archive.</summary>
    /// <param name="data">The bytes, in order.</param>
    public void Feed(ReadOnlySpan<byte> data)
    {
        try
        {
            if (_phase == Phase.Head)
            {
                data = FeedHead(data);
            }

            if (_phase == Phase.Data)
            {
                FeedData(data);
            }
        }
        catch (FormatException ex)
        {
            Fail(ex.Message);
        }
    }

    private static bool TryReadByte(ReadOnlySpan<byte> span, ref int cursor, out int value)
    {
        if (cursor >= span.Length)
        {
            value = 0;
            return false;
        }

        value = span[cursor++];
        return true;
    }

    private void Fail(string reason)
    {
        _phase = Phase.Failed;
        FailureReason = reason;
        _head = null;
    }

    private ReadOnlySpan<byte> FeedHead(ReadOnlySpan<byte> data)
    {
        if (_headLength + data.Length > _head!.Length)
        {
            if (_headLength + data.Length > MaxHeadBytes)
            {
                Fail("the table of contents is larger than 256 MiB");
                return [];
            }

            Array.Resize(ref _head, Math.Max(_head.Length * 2, _headLength + data.Length));
        }

        data.CopyTo(_head.AsSpan(_headLength));
        _headLength += data.Length;
        var head = _head.AsSpan(0, _headLength);
        if (!_headerRead)
        {
            var cursor = 0;
            if (!TryReadHeader(head, ref cursor))
            {
                return [];
            }

            _headerRead = true;
            _headCursor = cursor;
        }

        while (_tocRead < _tocCount)
        {
            var cursor = _headCursor;
            if (!TryReadEntry(head, ref cursor))
            {
                return [];
            }

            _headCursor = cursor;
            _tocRead++;
        }

        // The table of contents is read: what follows it is data. The head's buffer is no longer needed.
        var rest = head[_headCursor..].ToArray();
        _head = null;
        _phase = Phase.Data;
        return rest;
    }

    private bool TryReadHeader(ReadOnlySpan<byte> head, ref int cursor)
    {
        if (head.Length < Magic.Length + 3)
        {
            return false;
        }

        if (!head[..Magic.Length].SequenceEqual(Magic))
        {
            throw new FormatException("the archive does not start with PGDMP");
        }

        cursor = Magic.Length;
        var major = head[cursor++];
        var minor = head[cursor++];
        var revision = head[cursor++];
        _version = (((major * 256) + minor) * 256) + revision;
        if (major != 1 || minor < 12 || minor > 16)
        {
            throw new FormatException($"archive version {major}.{minor} is not one the counter reads");
        }

        if (!TryReadByte(head, ref cursor, out _intSize) || !TryReadByte(head, ref cursor, out _offSize) || !TryReadByte(head, ref cursor, out var format))
        {
            return false;
        }

        if (_intSize is < 1 or > 8 || _offSize is < 1 or > 8)
        {
            throw new FormatException($"integer size {_intSize} or offset size {_offSize} is not supported");
        }

        if (format != 1)
        {
            throw new FormatException($"archive format {format} is not the custom format");
        }

        if (minor >= 15)
        {
            if (!TryReadByte(head, ref cursor, out var algorithm))
            {
                return false;
            }

            if (algorithm != 0)
            {
                throw new FormatException("the archive's data is compressed");
            }
        }
        else
        {
            if (!TryReadInt(head, ref cursor, out var level))
            {
                return false;
            }

            if (level != 0)
            {
                throw new FormatException("the archive's data is compressed");
            }
        }

        // The dump's time (7 integers), the database's name, the server's and pg_dump's versions.
        for (var i = 0; i < 7; i++)
        {
            if (!TryReadInt(head, ref cursor, out _))
            {
                return false;
            }
        }

        for (var i = 0; i < 3; i++)
        {
            if (!TrySkipString(head, ref cursor))
            {
                return false;
            }
        }

        if (!TryReadInt(head, ref cursor, out _tocCount))
        {
            return false;
        }

        if (_tocCount < 0)
        {
            throw new FormatException("negative number of entries in the table of contents");
        }

        return true;
    }

    private bool TryReadEntry(ReadOnlySpan<byte> head, ref int cursor)
    {
        // dumpId, hadDumper, tableoid, oid, tag, desc, section, defn, dropStmt, copyStmt, namespace, tablespace,
        // tableam, [relkind], owner, "false" (with oids), dependencies (strings ended by a null one), data offset.
        if (!TryReadInt(head, ref cursor, out var dumpId) || !TryReadInt(head, ref cursor, out _)
            || !TrySkipString(head, ref cursor) || !TrySkipString(head, ref cursor)
            || !TryReadString(head, ref cursor, out var tag) || !TryReadString(head, ref cursor, out var desc)
            || !TryReadInt(head, ref cursor, out _)
            || !TrySkipString(head, ref cursor) || !TrySkipString(head, ref cursor) || !TrySkipString(head, ref cursor)
            || !TryReadString(head, ref cursor, out var schema)
            || !TrySkipString(head, ref cursor))
        {
            return false;
        }

        if (_version >= 0x010E00 && !TrySkipString(head, ref cursor))
        {
            return false;
        }

        if (_version >= 0x011000 && !TryReadInt(head, ref cursor, out _))
        {
            return false;
        }

        if (!TrySkipString(head, ref cursor) || !TrySkipString(head, ref cursor))
        {
            return false;
        }

        while (true)
        {
            if (!TryReadStringLength(head, ref cursor, out var length))
            {
                return false;
            }

            if (length < 0)
            {
                break;
            }

            if (cursor + length > head.Length)
            {
                return false;
            }

            cursor += (int)length;
        }

        if (cursor + 1 + _offSize > head.Length)
        {
            return false;
        }

        cursor += 1 + _offSize;
        if (desc == "TABLE DATA" && tag is not null)
        {
            _tables[dumpId] = $"{schema}.{tag}";
        }

        return true;
    }

    private bool TryReadInt(ReadOnlySpan<byte> span, ref int cursor, out long value)
    {
        value = 0;
        if (cursor + 1 + _intSize > span.Length)
        {
            return false;
        }

        value = DecodeInt(span.Slice(cursor, 1 + _intSize));
        cursor += 1 + _intSize;
        return true;
    }

    private long DecodeInt(ReadOnlySpan<byte> bytes)
    {
        long value = 0;
        for (var i = 0; i < _intSize; i++)
        {
            value |= (long)bytes[1 + i] << (8 * i);
        }

        return bytes[0] == 0 ? value : -value;
    }

    private bool TryReadStringLength(ReadOnlySpan<byte> span, ref int cursor, out long length)
    {
        if (!TryReadInt(span, ref cursor, out length))
        {
            return false;
        }

        if (length > MaxHeadBytes)
        {
            throw new FormatException("a string in the table of contents is too long");
        }

        return true;
    }

    private bool TrySkipString(ReadOnlySpan<byte> span, ref int cursor) => TryReadString(span, ref cursor, out _, decode: false);

    private bool TryReadString(ReadOnlySpan<byte> span, ref int cursor, out string? value, bool decode = true)
    {
        value = null;
        var start = cursor;
        if (!TryReadStringLength(span, ref cursor, out var length))
        {
            return false;
        }

        if (length < 0)
        {
            return true;
        }

        if (cursor + length > span.Length)
        {
            cursor = start;
            return false;
        }

        if (decode)
        {
            value = Encoding.UTF8.GetString(span.Slice(cursor, (int)length));
        }

        cursor += (int)length;
        return true;
    }

    private void FeedData(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty && _phase == Phase.Data)
        {
            if (_state == DataState.ChunkData)
            {
                var take = (int)Math.Min(_remaining, data.Length);
                if (_table is not null)
                {
                    CountRows(data[..take]);
                }

                _remaining -= take;
                data = data[take..];
                if (_remaining == 0)
                {
                    _state = DataState.ChunkLength;
                }

                continue;
            }

            // Every other state reads one small field: a byte (the block's type) or an integer.
            var need = _state == DataState.BlockType ? 1 : 1 + _intSize;
            ReadOnlySpan<byte> field;
            if (_scratchLength == 0 && data.Length >= need)
            {
                field = data[..need];
                data = data[need..];
            }
            else
            {
                var take = Math.Min(need - _scratchLength, data.Length);
                data[..take].CopyTo(_scratch.AsSpan(_scratchLength));
                _scratchLength += take;
                data = data[take..];
                if (_scratchLength < need)
                {
                    return;
                }

                field = _scratch.AsSpan(0, need);
                _scratchLength = 0;
            }

            Step(field);
        }
    }

    private void Step(ReadOnlySpan<byte> field)
    {
        switch (_state)
        {
            case DataState.BlockType:
                _blockType = field[0];
                if (_blockType is not (BlockData or BlockBlobs))
                {
                    throw new FormatException($"unknown data block type {_blockType}");
                }

                _state = DataState.BlockId;
                break;
            case DataState.BlockId:
                var dumpId = DecodeInt(field);
                if (_blockType == BlockData)
                {
                    _table = _tables.GetValueOrDefault(dumpId);
                    _rows = 0;
                    _line = LineState.LineStart;
                    _state = DataState.ChunkLength;
                }
                else
                {
                    _table = null;
                    _state = DataState.BlobOid;
                }

                break;
            case DataState.ChunkLength:
                var length = DecodeInt(field);
                if (length < 0)
                {
                    throw new FormatException("negative data chunk length");
                }

                if (length > 0)
                {
                    _remaining = length;
                    _state = DataState.ChunkData;
                }
                else if (_blockType == BlockBlobs)
                {
                    _state = DataState.BlobOid;
                }
                else
                {
                    if (_table is not null)
                    {
                        _counts[_table] = _counts.GetValueOrDefault(_table) + _rows;
                    }

                    _table = null;
                    _state = DataState.BlockType;
                }

                break;
            case DataState.BlobOid:
                _state = DecodeInt(field) == 0 ? DataState.BlockType : DataState.ChunkLength;
                break;
            default:
                throw new FormatException($"unexpected state {_state}");
        }
    }

    /// <summary>COPY text: one row per line (a newline inside a value is written <c>\n</c>); a line <c>\.</c> ends the data.</summary>
    private void CountRows(ReadOnlySpan<byte> span)
    {
        while (!span.IsEmpty && _line != LineState.Ended)
        {
            if (_line == LineState.MidLine)
            {
                var newline = span.IndexOf((byte)'\n');
                if (newline < 0)
                {
                    return;
                }

                _rows++;
                _line = LineState.LineStart;
                span = span[(newline + 1)..];
                continue;
            }

            var b = span[0];
            span = span[1..];
            _line = (_line, b) switch
            {
                (LineState.LineStart, (byte)'\\') => LineState.Backslash,
                (LineState.Backslash, (byte)'.') => LineState.BackslashDot,
                (LineState.BackslashDot, (byte)'\n') => LineState.Ended,
                (_, (byte)'\n') => LineState.LineStart,
                _ => LineState.MidLine,
            };
            if (b == '\n' && _line == LineState.LineStart)
            {
                _rows++;
            }
        }
    }
}
