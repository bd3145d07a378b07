namespace DataGuard.Diagnostics;

/// <summary>
/// One check of <c>dataguard doctor</c>: is this part of the deployment ready? Packages register their
/// own (PostgreSQL reachable, pg tools able to handle the server, storage reachable).
/// </summary>
public interface IDoctorCheck
{
    /// <summary>Gets the check's short name, such as <c>postgres</c> or <c>storage</c>; also its order key.</summary>
    string Name { get; }

    /// <summary>Gets the order in which checks run and print (lower first).</summary>
    int Order { get; }

    /// <summary>Runs the check. Faults become failed results, never exceptions.</summary>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>One or more results (a check may report several lines).</returns>
    Task<IReadOnlyList<DoctorCheckResult>> RunAsync(CancellationToken cancellationToken = default);
}
