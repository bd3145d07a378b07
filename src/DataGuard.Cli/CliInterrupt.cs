using System.Runtime.InteropServices;

namespace DataGuard.Cli;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM as a cancellation, for the commands that write a file of personal data (<c>export
/// table</c>, <c>export subject</c>): without it the signal ends the process at once, leaving <c>FILE.partial</c> behind
/// and the server's COPY to notice the closed connection. The first signal cancels the command's token (the export
/// cancels its statement, <see cref="PrivateOutputFile"/> deletes the partial file, the command prints
/// <c>dataguard: cancelled.</c>); a second one ends the process as the signal would.
/// </summary>
internal sealed class CliInterrupt : IDisposable
{
    private readonly CancellationTokenSource _cancellation;
    private readonly List<PosixSignalRegistration> _registrations = [];

    /// <summary>Initializes a new instance of the <see cref="CliInterrupt"/> class.</summary>
    /// <param name="cancellationToken">The command's own token, which also cancels.</param>
    public CliInterrupt(CancellationToken cancellationToken)
    {
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        foreach (var signal in (PosixSignal[])[PosixSignal.SIGINT, PosixSignal.SIGTERM])
        {
            try
            {
                _registrations.Add(PosixSignalRegistration.Create(signal, Handle));
            }
            catch (PlatformNotSupportedException)
            {
                // No such signal here: it keeps its default.
            }
        }
    }

    /// <summary>Gets the token a signal cancels.</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _cancellation.Dispose();
    }

    private void Handle(PosixSignalContext context)
    {
        bool cancelled;
        try
        {
            cancelled = _cancellation.IsCancellationRequested;
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        if (cancelled)
        {
            return;   // the second signal: its default action
        }

        context.Cancel = true;
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The signal came as the command ended (handlers run on a thread of their own): nothing left to cancel.
        }
    }
}
