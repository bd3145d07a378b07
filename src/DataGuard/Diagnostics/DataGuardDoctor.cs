namespace DataGuard.Diagnostics;

/// <summary>Runs every registered <see cref="IDoctorCheck"/> in order: the engine behind <c>dataguard doctor</c>.</summary>
public sealed class DataGuardDoctor
{
    private readonly IEnumerable<IDoctorCheck> _checks;

    /// <summary>Initializes a new instance of the <see cref="DataGuardDoctor"/> class.</summary>
    /// <param name="checks">The registered checks.</param>
    public DataGuardDoctor(IEnumerable<IDoctorCheck> checks) => _checks = checks;

    /// <summary>Runs each check, in order; a check that throws becomes a failed line.</summary>
    /// <param name="cancellationToken">Cancels the remaining checks.</param>
    /// <returns>Every line, in order.</returns>
    public async Task<IReadOnlyList<DoctorCheckResult>> RunAsync(CancellationToken cancellationToken = default)
    {
        var results = new List<DoctorCheckResult>();
        foreach (var check in _checks.OrderBy(c => c.Order).ThenBy(c => c.Name, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                results.AddRange(await check.RunAsync(cancellationToken).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                results.Add(DoctorCheckResult.Fail(check.Name, $"the check itself failed: {ex.GetType().Name}: {ex.Message}"));
            }
        }

        return results;
    }
}
