namespace DataGuard.Export;

/// <summary>One table of an export: its columns and its rows, streamed.</summary>
/// <param name="Name">The table, <c>schema.table</c>.</param>
/// <param name="Columns">The columns that leave (redacted columns are absent).</param>
/// <param name="Rows">
/// The rows; enumerate once. The array is REUSED from one row to the next: copy what you keep. Values are
/// <see langword="null"/>, <see cref="bool"/>, <see cref="short"/>, <see cref="int"/>, <see cref="long"/>,
/// <see cref="decimal"/>, <see cref="float"/>, <see cref="double"/>, <see cref="string"/>, <see cref="DateTime"/>
/// (UTC or unspecified), <see cref="DateTimeOffset"/>, <see cref="DateOnly"/>, <see cref="TimeOnly"/>,
/// <see cref="TimeSpan"/>, <see cref="Guid"/>, <see cref="byte"/>[], <see cref="JsonText"/> or an <see cref="Array"/> of these.
/// </param>
public sealed record ExportTable(string Name, IReadOnlyList<ExportColumn> Columns, IAsyncEnumerable<object?[]> Rows);
