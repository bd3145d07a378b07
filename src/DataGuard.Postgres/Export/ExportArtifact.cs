namespace DataGuard.Postgres.Export;

/// <summary>One file of a finished export.</summary>
/// <param name="Format">The format.</param>
/// <param name="Key">The storage key (<c>exports/&lt;job-id&gt;/...</c>).</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="Sha256">Its SHA-256.</param>
/// <param name="ContentType">Its media type.</param>
/// <param name="Link">A download link valid until the job expires, or <see langword="null"/> once it has.</param>
public sealed record ExportArtifact(string Format, string Key, long Size, string Sha256, string ContentType, Uri? Link)
{
    /// <summary>Gets what this file could not show, in words (a PDF: values with characters no font on the server has; the JSON and CSV files hold them); empty when nothing.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
