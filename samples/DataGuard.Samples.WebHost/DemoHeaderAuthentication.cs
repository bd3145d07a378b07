using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

/// <summary>
/// A STAND-IN for real sign-in, for the demo only: trusts the <c>X-User-Id</c> header as the signed-in user's id and
/// <c>X-User-Role: operator</c> as the operator role. Replace it with your real authentication (cookies, OpenID Connect, JWT).
/// Without the header a request is anonymous and gets 401. Anyone can forge the header: Program.cs registers this only in
/// Development or with <c>Sample:TrustHeaders=true</c>, and otherwise refuses to start.
/// </summary>
internal sealed class DemoHeaderAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "DemoHeader";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Request.Headers["X-User-Id"].FirstOrDefault() is not { Length: > 0 } user)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var claims = new List<Claim> { new(ClaimTypes.NameIdentifier, user), new(ClaimTypes.Name, "user " + user) };
        if (string.Equals(Request.Headers["X-User-Role"].FirstOrDefault(), "operator", StringComparison.Ordinal))
        {
            claims.Add(new Claim(ClaimTypes.Role, "operator"));
        }

        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName)));
    }
}
