namespace DataGuard.Cli;

/// <summary>The exit codes of <c>dataguard</c>.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;

    /// <summary>The command ran and something failed (a check, a backup, a restore).</summary>
    public const int Failure = 1;

    /// <summary>The command line or the configuration file could not be used.</summary>
    public const int Usage = 2;
}
