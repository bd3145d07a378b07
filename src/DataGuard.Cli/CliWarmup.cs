using System.CommandLine;
using System.Security.Cryptography;

namespace DataGuard.Cli;

/// <summary>
/// Start-up work done on a second core while the command builds its services: a command that goes on to connect to
/// PostgreSQL first spends ~30 ms of its ~0.3 s start-up loading Npgsql's connection-string and type-mapping machinery
/// and initializing OpenSSL (SCRAM authentication, checksums), all on one thread. A background thread does the same work
/// on a throwaway data source (built, never opened: no connection, no I/O) and one hash, so the command finds those types
/// loaded (docs/benchmarks.md, "Start-up"). Nothing it does is observable: it touches no file, socket or shared state,
/// and any failure is ignored (the command does the same work again and reports it).
/// </summary>
internal static class CliWarmup
{
    /// <summary>Starts the warm-up on a background thread when <see cref="AppliesTo"/> says the command wants it.</summary>
    /// <param name="command">The command about to run.</param>
    public static void StartFor(Command command)
    {
        if (AppliesTo(command))
        {
            new Thread(Run) { IsBackground = true, Name = "dataguard warm-up" }.Start();
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
        var topLevel = command;
        while (topLevel.Parents.OfType<Command>().FirstOrDefault() is { } parent && parent.Parents.Any())
        {
            topLevel = parent;
        }

        return topLevel.Parents.Any() && topLevel.Name != "wal";
    }

    /// <summary>The warm-up itself (also run by tests: it must not throw, whatever the machine).</summary>
    internal static void Run()
    {
        try
        {
            Span<byte> bytes = stackalloc byte[32];
            RandomNumberGenerator.Fill(bytes);
            _ = HMACSHA256.HashData(bytes, bytes, bytes);
            using var dataSource = new Npgsql.NpgsqlDataSourceBuilder(
                new Npgsql.NpgsqlConnectionStringBuilder("Host=localhost") { ReadBufferSize = 128 * 1024 }.ConnectionString).Build();
        }
        catch (Exception)
        {
            // Only a head start: the command does the same work itself and reports what fails.
        }
    }
}
