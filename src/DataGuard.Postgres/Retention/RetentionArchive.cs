using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DataGuard.Backup;
using DataGuard.Storage;
using Npgsql;

namespace DataGuard.Postgres.Retention;

/// <summary>
/// Writes archived rows as NDJSON (one <c>row_to_json</c> object per line) through the backup codec (zstd, optional
/// encryption) to <c>archive/&lt;policy&gt;/&lt;yyyy-MM-dd&gt;/&lt;part&gt;.ndjson.zst</c>, each object followed by its
/// manifest (<c>&lt;part&gt;.manifest.json</c>: rows, sizes, SHA-256, codec). Both are write-once.
/// </summary>
internal sealed class RetentionArchive(IBackupStorage storage, ArchiveCodec codec, string policy, string table, long runId, DateTimeOffset runStarted, TimeProvider time)
{
    private const int FlushThreshold = 256 * 1024;

    public string Folder => StorageLayout.ArchiveFolder(policy, runStarted);

    /// <summary>Archives the rows of <paramref name="reader"/> (column 0: the row as JSON text), which is already positioned on its first row.</summary>
    /// <returns>The archive object's key and the rows written.</returns>
    public async Task<(string Key, long Rows)> WriteAsync(string part, NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        part = string.Concat(part.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_'));
        var key = $"{Folder}{runId.ToString(CultureInfo.InvariantCulture)}-{part}.ndjson{codec.Suffix}";
        long rows = 0;
        var (written, raw) = await EncodedUpload.WriteAsync(
            storage,
            key,
            codec,
            StorageWriteOptions.CreateOnly,
            async (writer, ct) => rows = await CopyRowsAsync(reader, writer, ct).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
        await WriteManifestAsync(key, part, rows, raw, written, cancellationToken).ConfigureAwait(false);
        return (key, rows);
    }

    private static async Task<long> CopyRowsAsync(NpgsqlDataReader reader, ArchiveWriter writer, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(FlushThreshold * 2);
        long rows = 0;
        do
        {
            var line = reader.GetString(0);
            var span = buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(line.Length) + 1);
            var length = Encoding.UTF8.GetBytes(line, span);
            span[length] = (byte)'\n';
            buffer.Advance(length + 1);
            rows++;
            if (buffer.WrittenCount >= FlushThreshold)
            {
                await writer.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
                buffer.ResetWrittenCount();
            }
        }
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false));

        if (buffer.WrittenCount > 0)
        {
            await writer.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }

        return rows;
    }

    private async Task WriteManifestAsync(string key, string part, long rows, long raw, StorageWriteResult written, CancellationToken cancellationToken)
    {
        using var manifest = new MemoryStream();
        var json = new Utf8JsonWriter(manifest, new JsonWriterOptions { Indented = true });
        await using (json.ConfigureAwait(false))
        {
            json.WriteStartObject();
            json.WriteString("format", "ndjson");
            json.WriteString("policy", policy);
            json.WriteString("table", table);
            json.WriteNumber("runId", runId);
            json.WriteString("part", part);
            json.WriteString("object", key);
            json.WriteNumber("rows", rows);
            json.WriteNumber("rawSize", raw);
            json.WriteNumber("storedSize", written.Size);
            json.WriteString("sha256", written.Sha256);
            json.WriteString("compression", codec.Compression.Algorithm);
            json.WriteString("encryption", codec.Encryption?.Algorithm);
            json.WriteString("encryptionKeyId", codec.Encryption?.KeyId);
            json.WriteString("createdAt", time.GetUtcNow());
            json.WriteEndObject();
            await json.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        manifest.Position = 0;
        var manifestKey = key[..key.IndexOf(".ndjson", StringComparison.Ordinal)] + ".manifest.json";
        await storage.WriteAsync(manifestKey, manifest, StorageWriteOptions.CreateOnly with { ContentType = "application/json" }, cancellationToken).ConfigureAwait(false);
    }
}
