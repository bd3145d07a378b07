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

    /// <summary>
    /// <c>wal fetch</c> (PostgreSQL's <c>restore_command</c>): the file asked for is not in the archive. PostgreSQL reads
    /// any status from 1 to 125 this way and ends recovery there, so only a file that truly does not exist gets it.
    /// </summary>
    public const int WalNotFound = 1;

    /// <summary>
    /// <c>wal fetch</c>: the file could not be fetched (storage unreachable or failing, timeout, access denied, checksum or
    /// decryption failure, destination not writable, bad arguments or configuration). PostgreSQL aborts recovery on any
    /// status above 125 instead of ending it and promoting early. 200 rather than 126 or 127 (which PostgreSQL logs as
    /// "command not executable" / "command not found") or 129 to 192 (128 + a signal number; 143 is read as a shutdown).
    /// </summary>
    public const int WalFetchFailed = 200;
}
