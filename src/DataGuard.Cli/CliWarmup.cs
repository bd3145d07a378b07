using System.CommandLine;
using System.Security.Cryptography;
using DataGuard.Backup;

namespace DataGuard.Cli;

/// <summary>
/// Start-up work done on a second core while the command builds its services. A command that connects to PostgreSQL
/// spends ~30 ms of its ~0.3 s start-up loading Npgsql's connection-string and type-mapping machinery and initializing
/// OpenSSL (SCRAM authentication, checksums), and a command that writes or reads backup manifests ~35 ms on the first
/// manifest it serializes (System.Text.Json's converters and the generic code the composite image lacks), all on its one
/// thread. A background thread does the same work on throwaway objects (a data source that is built and never opened:
/// no connection; a manifest serialized and parsed in memory), so the command finds it done (docs/benchmarks.md,
/// "Start-up"). It writes no file, opens no socket and changes no shared setting; any failure is ignored (the command
/// does the same work itself and reports what fails).
/// </summary>
internal static class CliWarmup
{
    /// <summary>The commands that write or read backup manifests, by their top-level name.</summary>
    private static readonly string[] ManifestCommands = ["backup", "restore", "pitr", "drill", "status"];

    /// <summary>Starts the warm-up on a background thread when <see cref="AppliesTo"/> says the command wants it.</summary>
    /// <param name="command">The command about to run.</param>
    public static void StartFor(Command command)
    {
        if (AppliesTo(command))
        {
            var manifests = ManifestCommands.Contains(TopLevel(command).Name, StringComparer.Ordinal);
            new Thread(() => Run(manifests)) { IsBackground = true, Name = "dataguard warm-up" }.Start();
        }
    }

    /// <summary>
    /// Every command but the root (help, version) and those under <c>wal</c>: PostgreSQL's restore_command and
    /// archive_command never use Npgsql and must not take CPU from the server they serve.
    /// </summary>
    /// <param name="command">The command about to run.</param>
    /// <returns>Whether it gets a warm-up.</returns>
    internal static bool AppliesTo(Command command)
    {
        var topLevel = TopLevel(command);
        return topLevel.Parents.Any() && topLevel.Name != "wal";
    }

    /// <summary>The command under the root that <paramref name="command"/> belongs to (the root for the root).</summary>
    private static Command TopLevel(Command command)
    {
        while (command.Parents.OfType<Command>().FirstOrDefault() is { } parent && parent.Parents.Any())
        {
            command = parent;
        }

        return command;
    }

    /// <summary>The warm-up itself (also run by tests: it must not throw, whatever the machine).</summary>
    /// <param name="manifests">Whether to serialize and parse a manifest too.</param>
    internal static void Run(bool manifests)
    {
        try
        {
            Span<byte> bytes = stackalloc byte[32];
            RandomNumberGenerator.Fill(bytes);
            _ = HMACSHA256.HashData(bytes, bytes, bytes);
            using (new Npgsql.NpgsqlDataSourceBuilder(
                new Npgsql.NpgsqlConnectionStringBuilder("Host=localhost") { ReadBufferSize = 128 * 1024 }.ConnectionString).Build())
            {
            }

            if (manifests)
            {
                _ = ManifestSerializer.Deserialize(ManifestSerializer.Serialize(SampleManifest()));
            }
        }
        catch (Exception)
        {
            // Only a head start: the command does the same work itself and reports what fails.
        }
    }

    /// <summary>A manifest with the members a logical backup's has (values are placeholders, never stored).</summary>
    internal static BackupManifest SampleManifest()
    {
        var now = DateTimeOffset.UnixEpoch;
        return new BackupManifest
        {
            Id = "warm-up",
            Kind = "logical",
            Provider = "pg_dump",
            Database = "warm-up",
            Server = "localhost:5432",
            ServerVersion = "17",
            ToolVersions = new Dictionary<string, string> { ["pg_dump"] = "17.0" },
            StartedAt = now,
            CompletedAt = now,
            DataKey = "warm-up",
            RawSize = 1,
            StoredSize = 1,
            Sha256 = new string('0', 64),
            Compression = new BackupCompression("zstd", 3),
            TableRowCounts = new Dictionary<string, long> { ["public.warm_up"] = 1 },
            Verification = new BackupVerification(now, Succeeded: true, "warm-up", 0, 1),
        };
    }
}
