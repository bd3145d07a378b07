namespace DataGuard.AspNetCore.Export;

/// <summary>The optional body of an export request: the formats only. The subject is never taken from it.</summary>
/// <param name="Formats">The formats (default: <c>DataGuard:Export:DefaultFormats</c>, else json, csv and pdf).</param>
internal sealed record ExportRequestBody(string[]? Formats);
