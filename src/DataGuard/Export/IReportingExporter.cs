namespace DataGuard.Export;

/// <summary>A format that can say what it could not show (the PDF: characters no font has), for the CLI's output and the export job's manifest.</summary>
internal interface IReportingExporter
{
    /// <summary>Writes the document, as <see cref="IExporter.WriteAsync"/>, and returns its warnings.</summary>
    /// <param name="document">What to write.</param>
    /// <param name="output">Where.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The warnings, empty when everything is shown.</returns>
    Task<IReadOnlyList<string>> WriteReportingAsync(ExportDocument document, Stream output, CancellationToken cancellationToken);
}
