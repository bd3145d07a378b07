namespace DataGuard.Postgres.Export;

/// <summary>How export redaction decides.</summary>
public enum RedactionMode
{
    /// <summary>Every column leaves except the denied ones (and, by default, those named like secrets).</summary>
    Denylist,

    /// <summary>Only the allowed columns leave.</summary>
    Allowlist,
}
