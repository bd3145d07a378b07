using System.Text.Json;

namespace DataGuard.Export;

/// <summary>
/// JSON: one document <c>{"subject", "generatedAt", "coverage": [...], "tables": {"schema.table": [ {column: value} ]}}</c> with types
/// kept (see <see cref="ExportValues.WriteJson"/>). Streamed: memory does not grow with the rows.
/// </summary>
internal sealed class JsonExporter : IExporter
{
    private const int FlushThreshold = 64 * 1024;

    /// <inheritdoc />
    public string Format => "json";

    /// <inheritdoc />
    public string FileExtension => ".json";

    /// <inheritdoc />
    public string ContentType => "application/json";

    /// <inheritdoc />
    public async Task WriteAsync(ExportDocument document, Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = false, SkipValidation = true });
        await using (writer.ConfigureAwait(false))
        {
            writer.WriteStartObject();
            writer.WriteString("title", document.Title);
            if (document.Subject is not null)
            {
                writer.WriteString("subject", document.Subject);
            }

            writer.WriteString("generatedAt", ExportValues.Iso(document.GeneratedAt));
            if (document.Coverage.Count > 0)
            {
                WriteCoverage(writer, document.Coverage);
            }

            writer.WriteStartObject("tables");
            await foreach (var table in document.Tables.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                var names = table.Columns.Select(c => JsonEncodedText.Encode(c.Name)).ToArray();
                writer.WriteStartArray(table.Name);
                await foreach (var row in table.Rows.WithCancellation(cancellationToken).ConfigureAwait(false))
                {
                    WriteRow(writer, names, row);
                    if (writer.BytesPending >= FlushThreshold)
                    {
                        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                    }
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes <c>"coverage": [{"table", "status", "detail"}]</c>: every table the export considered and what it did with it.</summary>
    internal static void WriteCoverage(Utf8JsonWriter writer, IReadOnlyList<ExportCoverageEntry> coverage)
    {
        writer.WriteStartArray("coverage");
        foreach (var entry in coverage)
        {
            writer.WriteStartObject();
            writer.WriteString("table", entry.Table);
            writer.WriteString("status", entry.Status);
            writer.WriteString("detail", entry.Detail);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    internal static void WriteRow(Utf8JsonWriter writer, JsonEncodedText[] names, object?[] row)
    {
        writer.WriteStartObject();
        for (var i = 0; i < names.Length; i++)
        {
            writer.WritePropertyName(names[i]);
            ExportValues.WriteJson(writer, row[i]);
        }

        writer.WriteEndObject();
    }
}
