namespace DataGuard.Postgres.Tools;

/// <summary>A PostgreSQL command-line tool found on this machine.</summary>
/// <param name="Name">The tool's name, such as <c>pg_dump</c>.</param>
/// <param name="Path">The full path of the executable.</param>
/// <param name="Version">The version it reports (<c>--version</c>).</param>
internal sealed record PgTool(string Name, string Path, Version Version)
{
    /// <summary>Gets the major version (15 for 15.18).</summary>
    public int Major => Version.Major;

    /// <summary>Checks that this tool can handle a server: its major version must be at least the server's.</summary>
    /// <param name="serverVersion">The server's version.</param>
    /// <returns><see langword="null"/> when it can; else why not, naming both versions.</returns>
    public string? IncompatibilityWith(Version serverVersion)
    {
        ArgumentNullException.ThrowIfNull(serverVersion);
        return Major >= serverVersion.Major
            ? null
            : $"{Name} {Version} ({Path}) is older than the server (PostgreSQL {serverVersion}); {Name} must be version {serverVersion.Major} or newer";
    }
}
