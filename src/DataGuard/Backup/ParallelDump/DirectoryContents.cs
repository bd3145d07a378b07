namespace DataGuard.Backup.ParallelDump;

/// <summary>What a dump directory's table of contents lists.</summary>
/// <param name="Entries">The number of entries.</param>
/// <param name="DataFiles">The data files its entries read, such as <c>4211.dat</c> and <c>blobs.toc</c>.</param>
internal sealed record DirectoryContents(int Entries, IReadOnlyList<string> DataFiles);
