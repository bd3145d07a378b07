using System.Security.Cryptography;
using System.Text;
using static DataGuard.AspNetCore.Dashboard.Html;

namespace DataGuard.AspNetCore.Dashboard;

/// <summary>
/// The page around every dashboard page: landmarks, a skip link, the navigation, and one stylesheet whose SHA-256 the
/// Content-Security-Policy names (no script at all, no style attribute, nothing loaded from elsewhere).
/// </summary>
internal static class DashboardLayout
{
    /// <summary>The pages, in navigation order: path segment (empty for the overview) and title.</summary>
    public static readonly IReadOnlyList<(string Slug, string Title)> Pages =
    [
        (string.Empty, "Overview"),
        ("backups", "Backups"),
        ("pitr", "PITR window"),
        ("drills", "Drills"),
        ("retention", "Retention"),
        ("migrations", "Migrations"),
        ("exports", "Exports"),
    ];

    public const string Css = """
        :root{color-scheme:light dark;--bg:#f7f8fa;--fg:#1b1f24;--muted:#57606a;--card:#fff;--line:#d0d7de;--accent:#0b5cad;--ok:#1a7f37;--warn:#9a6700;--fail:#cf222e;--off:#6e7781;--bar:#4a78c2;--target:#8250df;--window:#dbe4f0;--focus:#ffbf47}
        @media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9da7b3;--card:#161b22;--line:#30363d;--accent:#6cb6ff;--ok:#3fb950;--warn:#d29922;--fail:#f85149;--off:#8b949e;--bar:#6c9ee8;--target:#bc8cff;--window:#253041}}
        *{box-sizing:border-box}
        body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;background:var(--bg);color:var(--fg)}
        a{color:var(--accent)}
        a:focus-visible,summary:focus-visible,.table-wrap:focus-visible,main:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
        .skip{position:absolute;left:-999px;top:0;background:var(--card);padding:.5rem 1rem;z-index:10}
        .skip:focus{left:.5rem;top:.5rem}
        header{background:var(--card);border-bottom:1px solid var(--line);padding:.5rem 1rem;display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.5rem}
        .brand{font-weight:700;margin:0}
        nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem .75rem}
        nav a{display:inline-block;padding:.35rem .2rem;text-decoration:none}
        nav a[aria-current=page]{font-weight:700;text-decoration:underline;text-underline-offset:.3em}
        main{max-width:1200px;margin:0 auto;padding:1rem}
        h1{font-size:1.6rem;margin:.5rem 0 1rem}
        h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
        .lights{list-style:none;padding:0;margin:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:1rem}
        .light{background:var(--card);border:1px solid var(--line);border-left:6px solid var(--off);border-radius:6px;padding:.75rem 1rem}
        .light.state-ok{border-left-color:var(--ok)}.light.state-warning{border-left-color:var(--warn)}.light.state-failing{border-left-color:var(--fail)}
        .light h2{margin:0 0 .25rem;font-size:1.05rem}
        .light .value{font-size:1.15rem;font-weight:600;margin:.25rem 0}
        .light p{margin:.2rem 0}
        .muted{color:var(--muted)}
        .badge{display:inline-flex;align-items:center;gap:.35rem;font-weight:600}
        .dot{display:inline-block;width:.8rem;height:.8rem;border-radius:50%;background:var(--off)}
        .state-ok .dot{background:var(--ok)}.state-warning .dot{background:var(--warn);border-radius:2px}.state-failing .dot{background:var(--fail);border-radius:0}
        .problem{border:1px solid var(--fail);border-radius:6px;padding:.5rem 1rem;background:var(--card)}
        .note{border:1px solid var(--line);border-radius:6px;padding:.5rem 1rem;background:var(--card)}
        .table-wrap{overflow-x:auto;background:var(--card);border:1px solid var(--line);border-radius:6px;margin:.5rem 0 1rem}
        table{border-collapse:collapse;width:100%;font-size:.9rem}
        caption{text-align:left;font-weight:600;padding:.5rem .75rem}
        th,td{text-align:left;padding:.35rem .75rem;border-top:1px solid var(--line);vertical-align:top}
        thead th{border-top:none;white-space:nowrap}
        td.num,th.num{text-align:right}
        .chart{margin:.5rem 0 1rem;background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.5rem}
        .chart figcaption{font-size:.85rem;color:var(--muted);padding:.25rem .5rem}
        .chart-svg{width:100%;height:auto;display:block}
        .chart-svg text{fill:var(--muted);font-size:12px;font-family:inherit}
        .chart-svg .grid{stroke:var(--line);stroke-width:1}
        .chart-svg .baseline{stroke:var(--muted);stroke-width:1}
        .chart-svg .bar{fill:var(--bar)}.chart-svg .bar.bad,.chart-svg .mark.bad{fill:var(--fail)}
        .chart-svg .trend{stroke:var(--bar);stroke-width:2}
        .chart-svg .mark{fill:var(--bar);stroke:var(--card);stroke-width:1}
        .chart-svg .target-line{stroke:var(--target);stroke-width:2;stroke-dasharray:6 4}
        .chart-svg .target-label{fill:var(--target);font-weight:600}
        .chart-svg .failure-line{stroke:var(--fail);stroke-width:1;stroke-dasharray:3 3}
        .chart-svg .failure-mark{fill:var(--fail)}
        .chart-svg .window-target{fill:var(--window)}
        .chart-svg .window-restorable{fill:var(--ok)}
        .chart-svg .window-gap{fill:var(--fail)}
        dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.75rem 1rem}
        dl.facts dt{font-weight:600}dl.facts dd{margin:0}
        pre{white-space:pre-wrap;word-break:break-word;background:var(--bg);border:1px solid var(--line);padding:.5rem;border-radius:4px;font-size:.85rem}
        footer{max-width:1200px;margin:0 auto;padding:1rem;color:var(--muted);font-size:.85rem}
        @media (max-width:600px){body{font-size:15px}main{padding:.5rem}h1{font-size:1.3rem}th,td{padding:.3rem .4rem}dl.facts{grid-template-columns:1fr}}
        """;

    /// <summary>The Content-Security-Policy of every page: nothing but this stylesheet and data: images.</summary>
    public static readonly string ContentSecurityPolicy =
        $"default-src 'none'; style-src 'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Css)))}'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static string Render(string basePath, string slug, string title, string body, DateTimeOffset generatedAt)
    {
        var html = new StringBuilder(body.Length + 8192);
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        html.Append("<title>").Append(E(title)).Append(" · DataGuard</title><link rel=\"icon\" href=\"data:,\"><style>").Append(Css).Append("</style></head><body>");
        html.Append("<a class=\"skip\" href=\"#main\">Skip to content</a><header><p class=\"brand\">DataGuard</p><nav aria-label=\"Dashboard pages\"><ul>");
        foreach (var (pageSlug, pageTitle) in Pages)
        {
            html.Append("<li><a href=\"").Append(E(basePath + "/" + pageSlug)).Append('"').Append(pageSlug == slug ? " aria-current=\"page\"" : string.Empty).Append('>').Append(E(pageTitle)).Append("</a></li>");
        }

        html.Append("</ul></nav></header><main id=\"main\" tabindex=\"-1\"><h1>").Append(E(title)).Append("</h1>").Append(body).Append("</main>");
        var api = basePath + "/api/" + (slug.Length == 0 ? "overview" : slug);
        html.Append("<footer><p>Read-only view. Generated ").Append(E(Time(generatedAt))).Append(". The same data as JSON: <a href=\"").Append(E(api)).Append("\">").Append(E(api)).Append("</a></p></footer></body></html>");
        return html.ToString();
    }
}
