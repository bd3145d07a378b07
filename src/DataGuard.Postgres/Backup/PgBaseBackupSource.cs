using System.Globalization;
using System.Text.RegularExpressions;
using DataGuard.Backup;

namespace DataGuard.Postgres.Backup;

/// <summary>A running <c>pg_basebackup -Ft -D -</c>: its tar stream, and the WAL positions it reports when done.</summary>
internal sealed partial class PgBaseBackupSource(PgProcess process, BackupSourceInfo started, string systemIdentifier) : BackupSource
{
    private readonly BlockingPipeReadStream _content = new(process.StandardOutput);
    private WalPositions? _wal;

    public override Stream Content => _content;

    public override BackupSourceInfo Info => started with { Wal = _wal };

    public override async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        await process.WaitForSuccessAsync(cancellationToken).ConfigureAwait(false);
        var output = await process.GetErrorOutputAsync().ConfigureAwait(false);
        var start = StartPattern().Match(output);
        var stop = StopPattern().Match(output);
        if (!start.Success || !stop.Success)
        {
            throw new BackupFailedException($"pg_basebackup succeeded but did not report its WAL start and end points: {output.Trim()}") { Operation = "backup" };
        }

        _wal = new WalPositions(start.Groups[1].Value, stop.Groups[1].Value, int.Parse(start.Groups[2].Value, CultureInfo.InvariantCulture), systemIdentifier);
    }

    public override async ValueTask DisposeAsync()
    {
        await process.DisposeAsync().ConfigureAwait(false);
        await _content.DisposeAsync().ConfigureAwait(false);
    }

    [GeneratedRegex(@"write-ahead log start point: ([0-9A-F]+/[0-9A-F]+) on timeline (\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex StartPattern();

    [GeneratedRegex(@"write-ahead log end point: ([0-9A-F]+/[0-9A-F]+)", RegexOptions.CultureInvariant)]
    private static partial Regex StopPattern();
}
