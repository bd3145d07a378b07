using System.IO.Compression;
using System.Text.Json;

namespace DataGuard.Export;

/// <summary>CSV: a zip with one RFC 4180 UTF-8 CSV per table (<c>schema.table.csv</c>, header row) and a <c>manifest.json</c> of the files, their row counts and the coverage (every table considered). Streamed into the zip (which needs no seekable output).</summary>
internal sealed class CsvZipExporter : IExporter
{
    /// <inheritdoc />
    public string Format => "csv";

    /// <inheritdoc />
    public string FileExtension => ".zip";

    /// <inheritdoc />
    public string ContentType => "application/zip";

    /// <inheritdoc />
    public async Task WriteAsync(ExportDocument document, Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        var files = new List<(string File, string Table, long Rows)>();
        var zip = await ZipArchive.CreateAsync(output, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, cancellationToken).ConfigureAwait(false);
        await using (zip.ConfigureAwait(false))
        {
            await foreach (var table in document.Tables.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                var file = SafeFileName(table.Name) + ".csv";
                var entry = zip.CreateEntry(file, CompressionLevel.Fastest);
                var stream = await entry.OpenAsync(cancellationToken).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    files.Add((file, table.Name, await CsvTableWriter.WriteAsync(table, stream, document.NeutralizeFormulas, cancellationToken).ConfigureAwait(false)));
                }
            }

            var manifest = zip.CreateEntry("manifest.json", CompressionLevel.Fastest);
            var manifestStream = await manifest.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (manifestStream.ConfigureAwait(false))
            {
                var json = new Utf8JsonWriter(manifestStream, new JsonWriterOptions { Indented = true });
                await using (json.ConfigureAwait(false))
                {
                    json.WriteStartObject();
                    json.WriteString("title", document.Title);
                    json.WriteString("subject", document.Subject);
                    json.WriteString("generatedAt", ExportValues.Iso(document.GeneratedAt));
                    json.WriteStartArray("files");
                    foreach (var (file, table, rows) in files)
                    {
                        json.WriteStartObject();
                        json.WriteString("file", file);
                        json.WriteString("table", table);
                        json.WriteNumber("rows", rows);
                        json.WriteString("retention", document.Summary.FirstOrDefault(s => s.Table == table)?.Retention);
                        json.WriteEndObject();
                    }

                    json.WriteEndArray();
                    if (document.Coverage.Count > 0)
                    {
                        JsonExporter.WriteCoverage(json, document.Coverage);
                    }

                    json.WriteEndObject();
                }
            }
        }
    }

    private static string SafeFileName(string name) =>
        string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_'));
}
