using System.Text.Json;

namespace DataGuard.Export;

/// <summary>NDJSON: one JSON object per row and line, types kept as in <see cref="JsonExporter"/>; meant for one table (a document of several tables simply continues with the next table's rows).</summary>
internal sealed class NdjsonExporter : IExporter
{
    private const int FlushThreshold = 64 * 1024;
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    /// <inheritdoc />
    public string Format => "ndjson";

    /// <inheritdoc />
    public string FileExtension => ".ndjson";

    /// <inheritdoc />
    public string ContentType => "application/x-ndjson";

    /// <inheritdoc />
    public async Task WriteAsync(ExportDocument document, Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(output);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(FlushThreshold * 2);
        var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        await using (writer.ConfigureAwait(false))
        {
            await foreach (var table in document.Tables.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                var names = table.Columns.Select(c => JsonEncodedText.Encode(c.Name)).ToArray();
                await foreach (var row in table.Rows.WithCancellation(cancellationToken).ConfigureAwait(false))
                {
                    JsonExporter.WriteRow(writer, names, row);
                    writer.Flush();
                    writer.Reset();
                    System.Buffers.BuffersExtensions.Write(buffer, NewLine);
                    if (buffer.WrittenCount >= FlushThreshold)
                    {
                        await output.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
                        buffer.ResetWrittenCount();
                    }
                }
            }
        }

        await output.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
