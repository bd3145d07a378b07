using DataGuard.IntegrationTests.Infrastructure;
using Npgsql;

namespace DataGuard.IntegrationTests.Pitr;

/// <summary>
/// A PostgreSQL cluster of its own (scripts/services.sh) with WAL archiving on, its archive_command copying segments
/// into a folder: the source of real WAL files for the WAL archive tests. Shared by the tests of one class.
/// </summary>
public sealed class ArchivingCluster : IAsyncLifetime
{
    private readonly string _stateDir = Path.Combine(Path.GetTempPath(), $"dataguard-wal-{Guid.NewGuid():N}");

    public string ArchiveDir => Path.Combine(_stateDir, "copied-wal");

    public string ConnectionString { get; private set; } = null!;

    public IReadOnlyList<string> Segments { get; private set; } = [];

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(ArchiveDir);
        File.SetUnixFileMode(_stateDir, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(ArchiveDir, (UnixFileMode)0b111_111_111);
        var (code, output, error) = await ProcessRunner.RunAsync(
            "bash",
            [RepositoryPaths.ServicesScript, "start", "postgres"],
            new Dictionary<string, string> { ["DATAGUARD_STATE_DIR"] = _stateDir, ["DATAGUARD_PG_ARCHIVE_COMMAND"] = $"cp %p {ArchiveDir}/%f" });
        Assert.True(code == 0, error);
        ConnectionString = ServicesScript.ParseExports(output)["DATAGUARD_TEST_POSTGRES"];

        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        for (var i = 0; i < 3; i++)
        {
            await using var command = new NpgsqlCommand($"CREATE TABLE IF NOT EXISTS marks (i int, at timestamptz DEFAULT now()); INSERT INTO marks (i) SELECT g FROM generate_series(1, 1000 * {i + 1}) g; SELECT pg_switch_wal();", connection);
            await command.ExecuteNonQueryAsync();
        }

        for (var wait = 0; wait < 200 && Directory.GetFiles(ArchiveDir).Length < 3; wait++)
        {
            await Task.Delay(100);
        }

        Segments = [.. Directory.GetFiles(ArchiveDir).Order(StringComparer.Ordinal)];
        Assert.True(Segments.Count >= 3, $"expected 3 archived segments, found {Segments.Count}");
    }

    public async Task DisposeAsync()
    {
        await ProcessRunner.RunAsync("bash", [RepositoryPaths.ServicesScript, "stop"], new Dictionary<string, string> { ["DATAGUARD_STATE_DIR"] = _stateDir });
        Directory.Delete(_stateDir, recursive: true);
    }
}
