using System.CommandLine;
using System.CommandLine.Help;
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
/// no connection; a manifest written, authenticated, read back and verified in memory through the stored manifests'
/// codec, under a random key that lives only there), so the command finds the code loaded and compiled
/// (docs/benchmarks.md, "Start-up work on a second core"). It writes no file and opens no socket; it leaves behind
/// initialized library state (OpenSSL's, Npgsql's metrics registration, the manifest serializer's options made
/// read-only), which a command that never connects or reads a manifest (<c>backup list</c> against storage only) did
/// not need. Each step's failure is ignored: the command does the same work itself and reports what fails.
/// </summary>
internal static class CliWarmup
{
    /// <summary>The commands that write or read backup manifests, by their top-level name (doctor reads the catalog).</summary>
    internal static readonly string[] ManifestCommands = ["backup", "restore", "pitr", "drill", "status", "doctor"];

    /// <summary>
    /// Starts the warm-up on a background thread when <see cref="Plan"/> says so. Never throws: a refused thread (a
    /// pids limit) only means no head start.
    /// </summary>
    /// <param name="parsed">The parsed command line about to run.</param>
    public static void StartFor(ParseResult parsed)
    {
        var (start, manifests) = Plan(parsed, Environment.ProcessorCount);
        if (!start)
        {
            return;
        }

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
                    // Step catches each step's failure; this is the last guard, since an exception leaving a background
                    // thread would end the process.
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
    /// Whether a run gets a warm-up, and one of manifests too: not with less than two CPUs (<see
    /// cref="Environment.ProcessorCount"/>: the affinity and the cgroup's CPU quota rounded up), not when only help is
    /// printed (<c>--help</c>, <c>-h</c>, <c>-?</c> anywhere), and only for <see cref="AppliesTo"/>'s commands.
    /// </summary>
    /// <param name="parsed">The parsed command line.</param>
    /// <param name="processorCount">The CPUs the process may use.</param>
    /// <returns>Whether to start, and whether to warm up the manifest codec.</returns>
    internal static (bool Start, bool Manifests) Plan(ParseResult parsed, int processorCount)
    {
        var command = parsed.CommandResult.Command;
        if (processorCount < 2 || parsed.Action is HelpAction || !AppliesTo(command))
        {
            return (false, false);
        }

        return (true, ManifestCommands.Contains(TopLevel(command).Name, StringComparer.Ordinal));
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
    /// The warm-up itself, each step on its own (one that fails does not skip the others): a step's code is compiled,
    /// and the assemblies it uses loaded, only when <see cref="Step"/> calls it, inside its try.
    /// </summary>
    /// <param name="manifests">Whether to write and read back a manifest too.</param>
    /// <returns>The steps that completed (tests check that all do).</returns>
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
            using var dataSource = new Npgsql.NpgsqlDataSourceBuilder(Postgres.DataGuardDataSource.WithReadBuffer("Host=localhost")).Build();
        });
        if (manifests)
        {
            Step(done, "manifest", static () =>
            {
                if (RoundTrip(SampleManifest()).Problem is { } problem)
                {
                    throw new InvalidOperationException(problem);
                }
            });
        }

        return done;
    }

    /// <summary>
    /// Writes <paramref name="manifest"/> as a stored manifest is written (with a MAC, as where encryption is
    /// configured) and reads it back as one is read (the MAC verified).
    /// </summary>
    /// <param name="manifest">The manifest.</param>
    /// <returns>The bytes written, and why they could not be read back (<see langword="null"/> when they could).</returns>
    internal static (byte[] Written, string? Problem) RoundTrip(BackupManifest manifest)
    {
        var keys = new EncryptionKeyRing("warm-up", new Dictionary<string, byte[]> { ["warm-up"] = RandomNumberGenerator.GetBytes(EncryptionKeyRing.KeySize) })
        {
            AllowUnencryptedRead = true,
        };
        var written = ManifestCodec.Write(manifest, keys);
        var (read, problem) = ManifestCodec.Read(written, manifest.Id, keys);
        return (written, read is null ? problem ?? "not read back" : null);
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
