using System.CommandLine;
using System.CommandLine.Help;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using DataGuard.Backup;
using DataGuard.Backup.Encryption;
using DataGuard.Storage;

namespace DataGuard.Cli;

/// <summary>
/// Start-up work done on a second core while the command builds its services. A command that connects to PostgreSQL
/// spends ~30 ms of its ~0.3 s start-up loading Npgsql's connection-string and type-mapping machinery and initializing
/// OpenSSL (SCRAM authentication, checksums), and a command that writes or reads backup manifests ~35 ms on the first
/// manifest it serializes (System.Text.Json's converters and the generic code the composite image lacks), all on its one
/// thread. A background thread does the same work on throwaway objects (a data source that is built and never opened:
/// no connection; a manifest written and read back in memory through the same codec as stored ones), so the command
/// finds the code loaded and compiled (docs/benchmarks.md, "Start-up work on a second core"). It writes no file and
/// opens no socket; what it leaves behind is what the command would have initialized itself (OpenSSL's library state,
/// Npgsql's metrics registration, the manifest serializer's options made read-only). Each step's failure is ignored:
/// the command does the same work itself and reports what fails.
/// </summary>
internal static class CliWarmup
{
    /// <summary>The commands that write or read backup manifests, by their top-level name (doctor reads the catalog).</summary>
    internal static readonly string[] ManifestCommands = ["backup", "restore", "pitr", "drill", "status", "doctor"];

    /// <summary>
    /// Starts the warm-up on a background thread when the machine has a second core, the command is not only printing
    /// its help, and <see cref="AppliesTo"/> says the command wants it. Never throws: a refused thread (a pids limit)
    /// only means no head start.
    /// </summary>
    /// <param name="parsed">The parsed command line about to run.</param>
    public static void StartFor(ParseResult parsed)
    {
        var command = parsed.CommandResult.Command;
        if (Environment.ProcessorCount < 2 || parsed.Action is HelpAction || !AppliesTo(command))
        {
            return;
        }

        var manifests = ManifestCommands.Contains(TopLevel(command).Name, StringComparer.Ordinal);
        try
        {
            new Thread(() =>
            {
                try
                {
                    _ = Run(manifests);
                }
                catch (Exception)
                {
                    // Run catches its own failures; this catches one of loading the code Run itself needs.
                }
            })
            {
                IsBackground = true,
                Name = "dataguard warm-up",
            }.Start();
        }
        catch (Exception)
        {
            // No thread to spare: the command runs without a head start.
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

    /// <summary>
    /// The warm-up itself, each step on its own (one that fails does not skip the others). Kept out of line so that a
    /// failure to load what it uses is thrown to its caller's catch, not before it.
    /// </summary>
    /// <param name="manifests">Whether to write and read back a manifest too.</param>
    /// <returns>The steps that completed (tests check that all do).</returns>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static IReadOnlyList<string> Run(bool manifests)
    {
        var done = new List<string>(3);
        Step(done, "openssl", static () =>
        {
            Span<byte> bytes = stackalloc byte[32];
            RandomNumberGenerator.Fill(bytes);
            _ = HMACSHA256.HashData(bytes, bytes, bytes);
        });
        Step(done, "npgsql", static () =>
        {
            using var dataSource = new Npgsql.NpgsqlDataSourceBuilder(
                new Npgsql.NpgsqlConnectionStringBuilder("Host=localhost") { ReadBufferSize = 128 * 1024 }.ConnectionString).Build();
        });
        if (manifests)
        {
            Step(done, "manifest", static () =>
            {
                if (RoundTrip(SampleManifest()) is { } problem)
                {
                    throw new InvalidOperationException(problem);
                }
            });
        }

        return done;
    }

    /// <summary>Writes <paramref name="manifest"/> as a stored manifest is written and reads it back as one is read.</summary>
    /// <param name="manifest">The manifest.</param>
    /// <returns>Why it could not be read back, or <see langword="null"/>.</returns>
    internal static string? RoundTrip(BackupManifest manifest)
    {
        var keys = new EncryptionKeyRing(currentKeyId: null, new Dictionary<string, byte[]>());
        var (read, problem) = ManifestCodec.Read(ManifestCodec.Write(manifest, keys), manifest.Id, keys);
        return read is null ? problem ?? "not read back" : null;
    }

    /// <summary>A manifest with the members a logical backup's has (values are placeholders, never stored).</summary>
    /// <returns>The manifest.</returns>
    internal static BackupManifest SampleManifest()
    {
        const string id = "warm-up";
        var now = DateTimeOffset.UnixEpoch;
        return new BackupManifest
        {
            Id = id,
            Kind = "logical",
            Provider = "pg_dump",
            Database = "warm-up",
            Server = "localhost:5432",
            ServerVersion = "17",
            ToolVersions = new Dictionary<string, string> { ["pg_dump"] = "17.0" },
            StartedAt = now,
            CompletedAt = now,
            DataKey = StorageLayout.BackupFolder(id) + "data.dump.zst",
            RawSize = 1,
            StoredSize = 1,
            Sha256 = new string('0', 64),
            Compression = new BackupCompression("zstd", 3),
            TableRowCounts = new Dictionary<string, long> { ["public.warm_up"] = 1 },
            Verification = new BackupVerification(now, Succeeded: true, "warm-up", 0, 1),
        };
    }

    private static void Step(List<string> done, string name, Action step)
    {
        try
        {
            step();
            done.Add(name);
        }
        catch (Exception)
        {
            // Only a head start: the command does the same work itself and reports what fails.
        }
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
}
