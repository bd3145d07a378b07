namespace DataGuard.Export;

/// <summary>One output format of exports (JSON, CSV, PDF, ...): writes an <see cref="ExportDocument"/> to a stream. Formats are pluggable: register more in DI.</summary>
public interface IExporter
{
    /// <summary>Gets the format's name, as users ask for it (<c>json</c>, <c>csv</c>, <c>pdf</c>).</summary>
    string Format { get; }

    /// <summary>Gets the file name extension of the output, with its dot (<c>.json</c>, <c>.zip</c>, <c>.pdf</c>).</summary>
    string FileExtension { get; }

    /// <summary>Gets the output's media type.</summary>
    string ContentType { get; }

    /// <summary>Writes the document. Tables are read once, in order, each before the next; rows are streamed.</summary>
    /// <param name="document">What to write.</param>
    /// <param name="output">Where; not seekable in general, left open.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when everything is written.</returns>
    Task WriteAsync(ExportDocument document, Stream output, CancellationToken cancellationToken = default);
}
