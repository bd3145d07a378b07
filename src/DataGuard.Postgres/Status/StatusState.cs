namespace DataGuard.Postgres.Status;

/// <summary>The state of a part of DataGuard.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<StatusState>))]
internal enum StatusState
{
    /// <summary>Fine.</summary>
    Ok,

    /// <summary>Needs attention soon.</summary>
    Warning,

    /// <summary>Broken or out of its targets.</summary>
    Failing,

    /// <summary>Not in use here.</summary>
    Off,
}
