using DataGuard.IO;

namespace DataGuard.Postgres.Tools;

/// <summary>A tool lookup started by <see cref="PgToolLocator.Start"/>, running while the connection opens.</summary>
internal sealed class PgToolLookup
{
    private readonly Task<PgTool> _find;
    private readonly Task _wrapper;

    /// <summary>Initializes a new instance of the <see cref="PgToolLookup"/> class; a failure nobody awaits is observed.</summary>
    /// <param name="find">The search for the tool.</param>
    /// <param name="wrapper">The probe of the process wrapper (<see cref="ChildProcessLauncher.Prepare"/>).</param>
    public PgToolLookup(Task<PgTool> find, Task wrapper)
    {
        _find = find;
        _wrapper = wrapper;
        _ = find.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        _ = wrapper.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>The tool, checked against the server's version as <see cref="PgToolLocator.FindForServerAsync"/> does.</summary>
    /// <param name="serverVersion">The server's version.</param>
    /// <returns>The tool.</returns>
    /// <exception cref="PgToolNotFoundException">Missing, or older than the server.</exception>
    public async Task<PgTool> ForServerAsync(Version serverVersion)
    {
        var tool = await _find.ConfigureAwait(false);
        await _wrapper.ConfigureAwait(false);
        return PgToolLocator.CheckServer(tool, serverVersion);
    }
}
