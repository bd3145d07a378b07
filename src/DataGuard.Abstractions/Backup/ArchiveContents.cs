namespace DataGuard.Backup;

/// <summary>What an archive's table of contents holds.</summary>
/// <param name="Entries">The number of entries (tables, indexes, data, functions, ...).</param>
/// <param name="TablesWithData">The qualified tables whose data the archive holds.</param>
public sealed record ArchiveContents(int Entries, IReadOnlyList<string> TablesWithData);
