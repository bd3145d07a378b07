using System.Security.Claims;

namespace DataGuard.AspNetCore.Export;

/// <summary>
/// Options of <see cref="DataGuardEndpointRouteBuilderExtensions.MapDataGuardExports"/>: whose data a request is for
/// (always the signed-in user, never the request's body or path) and which authorization policy guards the endpoints.
/// </summary>
public sealed class DataGuardExportEndpointOptions
{
    /// <summary>Gets or sets the claim whose value is the subject's key (the key of <c>DataGuard:Export:Subject</c>). Default: <see cref="ClaimTypes.NameIdentifier"/>.</summary>
    public string SubjectClaimType { get; set; } = ClaimTypes.NameIdentifier;

    /// <summary>Gets or sets a delegate that maps the signed-in user to the subject's key (it wins over <see cref="SubjectClaimType"/>); <see langword="null"/> for a user who has no data subject (403).</summary>
    public Func<ClaimsPrincipal, string?>? SubjectResolver { get; set; }

    /// <summary>Gets or sets the authorization policy the endpoints require; <see langword="null"/>: the host's default policy (an authenticated user).</summary>
    public string? AuthorizationPolicy { get; set; }
}
