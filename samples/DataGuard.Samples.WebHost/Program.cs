// A minimal ASP.NET Core host with DataGuard (package DataGuard.AspNetCore):
//   POST /me/data-export                        ask for all of my data (json, csv, pdf)          -> 202 + the job
//   GET  /me/data-export/{id}                   the job's state and, once ready, one address per file
//   GET  /me/data-export/{id}/files/{format}    the file: a redirect to its expiring link (streamed from a local disk)
//   GET  /dataguard                             the read-only DR dashboard, for operators; JSON under /dataguard/api/...
// Configuration: the DataGuard section, from appsettings.json or environment variables (DataGuard__Postgres__ConnectionString, ...).
// "Signed in" is a stand-in (DemoHeaderAuthentication: the X-User-Id header, which anyone can forge). It is trusted only in
// Development or with Sample:TrustHeaders=true (e.g. Sample__TrustHeaders=true); otherwise the sample refuses to start.
// Use your real authentication.
// Run: dotnet DataGuard.Samples.WebHost.dll --urls http://127.0.0.1:5080
// Dashboard without signing in, on your own machine only: ASPNETCORE_ENVIRONMENT=Development DataGuard__Dashboard__AllowAnonymous=true
using DataGuard.AspNetCore;
using DataGuard.DependencyInjection;
using Microsoft.AspNetCore.Authentication;

// appsettings.json is read from beside the dll, wherever it is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
var dataGuard = builder.Services.AddDataGuard().AddPostgres().AddDashboard();
if (!string.IsNullOrEmpty(builder.Configuration["DataGuard:Storage:S3:Bucket"]))
{
    dataGuard.AddS3Storage();
}

// Anyone can send X-User-Id: never trust it by accident outside a developer's machine.
if (!builder.Environment.IsDevelopment() && !builder.Configuration.GetValue<bool>("Sample:TrustHeaders"))
{
    Console.Error.WriteLine(
        $"DataGuard.Samples.WebHost refuses to start in the '{builder.Environment.EnvironmentName}' environment: its sign-in trusts the X-User-Id header, " +
        "which any client can forge to read anyone's data. Plug in your real authentication (cookies, OpenID Connect, JWT) in place of " +
        "DemoHeaderAuthentication, or, for a demo only, run it with ASPNETCORE_ENVIRONMENT=Development or Sample:TrustHeaders=true (Sample__TrustHeaders=true).");
    return 1;
}

builder.Services.AddAuthentication(DemoHeaderAuthentication.SchemeName)
    .AddScheme<AuthenticationSchemeOptions, DemoHeaderAuthentication>(DemoHeaderAuthentication.SchemeName, null);
builder.Services.AddAuthorizationBuilder()
    .AddPolicy("dataguard-operators", policy => policy.RequireAuthenticatedUser().RequireRole("operator"));
builder.Services.AddProblemDetails();

var app = builder.Build();
app.UseStatusCodePages();   // 401 and 403 from authorization as problem details too
app.UseAuthentication();
app.UseAuthorization();

app.MapDataGuardExports("/me/data-export");
app.MapDataGuardDashboard("/dataguard", o => o.AuthorizationPolicy ??= "dataguard-operators");

app.Run();
return 0;
