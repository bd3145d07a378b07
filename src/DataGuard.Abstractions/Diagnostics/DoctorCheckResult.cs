namespace DataGuard.Diagnostics;

/// <summary>One line of <c>dataguard doctor</c>.</summary>
/// <param name="Name">What was checked.</param>
/// <param name="Succeeded">Whether it is ready.</param>
/// <param name="Detail">What was found, free of secrets.</param>
/// <param name="Hint">For a failure, what to do about it.</param>
public sealed record DoctorCheckResult(string Name, bool Succeeded, string Detail, string? Hint = null)
{
    /// <summary>Creates a passing result.</summary>
    /// <param name="name">What was checked.</param>
    /// <param name="detail">What was found.</param>
    /// <returns>The result.</returns>
    public static DoctorCheckResult Ok(string name, string detail) => new(name, true, detail);

    /// <summary>Creates a failing result.</summary>
    /// <param name="name">What was checked.</param>
    /// <param name="detail">What went wrong.</param>
    /// <param name="hint">What to do about it.</param>
    /// <returns>The result.</returns>
    public static DoctorCheckResult Fail(string name, string detail, string? hint = null) => new(name, false, detail, hint);
}
