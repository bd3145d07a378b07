using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using DataGuard.IO;
using Microsoft.Extensions.Options;

namespace DataGuard.Postgres.Tools;

/// <summary>
/// Finds pg_dump, pg_restore and the other PostgreSQL tools: in <see cref="PostgresOptions.ToolsDirectory"/> when it is
/// set, else the newest version on <c>PATH</c> or under <c>/usr/lib/postgresql/*/bin</c>.
/// </summary>
internal sealed partial class PgToolLocator
{
    /// <summary>Debian's <c>pg_wrapper</c>, which <c>/usr/bin/pg_dump</c> and friends link to.</summary>
    internal const string DebianWrapper = "/usr/share/postgresql-common/pg_wrapper";

    private const string DebianRoot = "/usr/lib/postgresql";

    private readonly IOptions<PostgresOptions> _options;
    private readonly string _debianRoot;
    private readonly string _wrapper;
    private readonly Func<string?> _searchPath;
    private readonly ConcurrentDictionary<string, PgTool?> _versions = new(StringComparer.Ordinal);

    /// <summary>Initializes a new instance of the <see cref="PgToolLocator"/> class.</summary>
    /// <param name="options">The PostgreSQL options.</param>
    public PgToolLocator(IOptions<PostgresOptions> options)
        : this(options, DebianRoot, DebianWrapper, () => Environment.GetEnvironmentVariable("PATH"))
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PgToolLocator"/> class that looks in other places (tests).</summary>
    /// <param name="options">The PostgreSQL options.</param>
    /// <param name="debianRoot">The folder of versioned installations (<c>/usr/lib/postgresql</c>).</param>
    /// <param name="wrapper">Debian's version-picking wrapper script.</param>
    /// <param name="searchPath">Reads the search path (<c>PATH</c>).</param>
    internal PgToolLocator(IOptions<PostgresOptions> options, string debianRoot, string wrapper, Func<string?> searchPath)
    {
        _options = options;
        _debianRoot = debianRoot;
        _wrapper = wrapper;
        _searchPath = searchPath;
    }

    /// <summary>Finds the newest copy of a tool.</summary>
    /// <param name="name">The tool, such as <c>pg_dump</c>.</param>
    /// <param name="cancellationToken">Cancels the search.</param>
    /// <returns>The tool.</returns>
    /// <exception cref="PgToolNotFoundException">No working copy was found; the message says where it looked.</exception>
    public async Task<PgTool> FindAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var directories = CandidateDirectories().ToList();
        var wrapper = NativeStat.IdentityOf(_wrapper);
        var probed = new Dictionary<(ulong, ulong), bool>();
        PgTool? best = null;
        foreach (var directory in directories)
        {
            var path = Path.Combine(directory, name);
            if (!File.Exists(path))
            {
                continue;
            }

            // A file that answered is not asked again under another name: /bin/pg_dump and /usr/bin/pg_dump are one file
            // where /bin links to /usr/bin (one that did not answer is, as the other path may work: a noexec mount).
            // Debian's pg_wrapper (a Perl script, about 60 ms a call) only runs a copy from the versioned folders, all
            // asked already, so it is skipped once one of them answered.
            var identity = NativeStat.IdentityOf(path);
            if (identity is { } known && ((probed.TryGetValue(known, out var answered) && answered) || (best is not null && known == wrapper)))
            {
                continue;
            }

            var tool = await ReadVersionAsync(name, path, cancellationToken).ConfigureAwait(false);
            if (identity is { } probedIdentity)
            {
                probed[probedIdentity] = tool is not null;
            }

            if (tool is not null && (best is null || tool.Version > best.Version))
            {
                best = tool;
            }
        }

        return best ?? throw new PgToolNotFoundException(
            $"{name} was not found (looked in: {string.Join(", ", directories.DefaultIfEmpty("(nowhere)"))}). " +
            $"Install the PostgreSQL client tools (Debian/Ubuntu: apt-get install postgresql-client) or set {PostgresOptions.SectionPath}:ToolsDirectory.")
        {
            Operation = "pgtools.find",
        };
    }

    /// <summary>Finds a tool and checks that it can handle a server of the given version.</summary>
    /// <param name="name">The tool.</param>
    /// <param name="serverVersion">The server's version.</param>
    /// <param name="cancellationToken">Cancels the search.</param>
    /// <returns>The tool.</returns>
    /// <exception cref="PgToolNotFoundException">Missing, or older than the server; the message names both versions.</exception>
    public async Task<PgTool> FindForServerAsync(string name, Version serverVersion, CancellationToken cancellationToken = default)
    {
        var tool = await FindAsync(name, cancellationToken).ConfigureAwait(false);
        return CheckServer(tool, serverVersion);
    }

    /// <summary>The tool, or why it cannot handle a server of that version.</summary>
    internal static PgTool CheckServer(PgTool tool, Version serverVersion) =>
        tool.IncompatibilityWith(serverVersion) is { } problem
            ? throw new PgToolNotFoundException($"{problem}. Install a newer PostgreSQL client or set {PostgresOptions.SectionPath}:ToolsDirectory.") { Operation = "pgtools.find" }
            : tool;

    /// <summary>
    /// Starts finding a tool and probing the process wrapper in the background, so that their process starts (a
    /// <c>--version</c> of each candidate, about 20 ms each) overlap the connection to the server; the caller awaits
    /// <see cref="PgToolLookup.ForServerAsync"/> once it knows the server's version. A lookup that is never awaited (the
    /// connection failed) is observed, not left to fail unobserved.
    /// </summary>
    /// <param name="name">The tool, such as <c>pg_dump</c>.</param>
    /// <param name="cancellationToken">Cancels the search.</param>
    /// <returns>The lookup under way.</returns>
    public PgToolLookup Start(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var wrapper = Task.Run(ChildProcessLauncher.Prepare, CancellationToken.None);
        var find = Task.Run(() => FindAsync(name, cancellationToken), CancellationToken.None);
        return new PgToolLookup(find, wrapper);
    }

    /// <summary>Parses the output of <c>pg_dump --version</c> and friends.</summary>
    /// <param name="output">For example <c>pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)</c>.</param>
    /// <returns>The version, or <see langword="null"/> when the text holds none.</returns>
    public static Version? ParseVersion(string output)
    {
        var match = VersionPattern().Match(output ?? string.Empty);
        if (!match.Success)
        {
            return null;
        }

        var major = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var minor = match.Groups[2].Success ? int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) : 0;
        return new Version(major, minor);
    }

    private IEnumerable<string> CandidateDirectories()
    {
        var configured = _options.Value.ToolsDirectory;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            yield return Path.GetFullPath(configured);
            yield break;
        }

        // The versioned folders first: on Debian, /usr/bin/pg_dump is a Perl wrapper that costs a process start per
        // call; at equal versions the first one found wins.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (Directory.Exists(_debianRoot))
        {
            foreach (var version in Directory.EnumerateDirectories(_debianRoot).Order(StringComparer.Ordinal))
            {
                var bin = Path.Combine(version, "bin");
                if (Directory.Exists(bin) && seen.Add(bin))
                {
                    yield return bin;
                }
            }
        }

        var path = _searchPath() ?? string.Empty;
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (seen.Add(directory))
            {
                yield return directory;
            }
        }
    }

    private async Task<PgTool?> ReadVersionAsync(string name, string path, CancellationToken cancellationToken)
    {
        if (_versions.TryGetValue(path, out var known))
        {
            return known;
        }

        PgTool? tool = null;
        try
        {
            var info = new ProcessStartInfo(path, "--version")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            Backup.PgConnectionEnvironment.RemoveSecrets(info.Environment);
            using var process = Process.Start(info);
            if (process is not null)
            {
                var output = await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                if (process.ExitCode == 0 && ParseVersion(output) is { } version)
                {
                    tool = new PgTool(name, path, version);
                }
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Not executable: not a candidate.
        }

        _versions[path] = tool;
        return tool;
    }

    [GeneratedRegex(@"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPattern();
}
