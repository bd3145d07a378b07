using DataGuard;

namespace DataGuard.Supabase.Management;

/// <summary>A Management API call failed; the message names the call and the status, never the token.</summary>
internal sealed class SupabaseApiException : DataGuardException
{
    public SupabaseApiException(string message, int? statusCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        Operation = "supabase";
    }

    /// <summary>Gets the HTTP status, when there was an answer.</summary>
    public int? StatusCode { get; }
}
