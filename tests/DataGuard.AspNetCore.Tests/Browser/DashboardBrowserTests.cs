using System.Text.Json;
using DataGuard.AspNetCore.Tests.Dashboard;

namespace DataGuard.AspNetCore.Tests.Browser;

/// <summary>
/// The dashboard in a real headless Chromium, over seeded data: every page loads under its Content-Security-Policy with
/// no console error and no failed request, the charts render their marks with labels, the keyboard reaches every link,
/// the layout holds at 1280 px and on a phone, and screenshots of each page go to artifacts/dashboard/.
/// </summary>
public sealed class DashboardBrowserTests(SeededDashboard dashboard) : IClassFixture<SeededDashboard>
{
    private static readonly Dictionary<string, string> Operator = new() { ["X-Test-User"] = "ops", ["X-Test-Role"] = "operator" };

    /// <summary>Per page: CSS selectors and how many elements each must match in the seeded data.</summary>
    private static readonly Dictionary<string, (string Selector, int Count)[]> Expected = new()
    {
        [string.Empty] = [(".light", 6), (".light .badge", 6), ("table th[scope=row]", 7)],
        ["backups"] = [("#backup-size rect.bar", DashboardSeed.LogicalBackups + 2), ("#backup-size .failure", 2), ("#backup-duration rect.bar", DashboardSeed.LogicalBackups + 2), ("#backup-rpo .target-line", 1), ("#backup-rpo rect.bar.bad", 3)],
        ["pitr"] = [("#pitr-window rect.window-restorable", 1), ("#pitr-window rect.window-gap", 1), ("#pitr-window rect.window-target", 1)],
        ["drills"] = [("#drill-rto circle.mark", DashboardSeed.Drills - 1), ("#drill-rto .failure", 1), ("#drill-rto .target-line", 1), ("#drill-rpo circle.mark", DashboardSeed.Drills), ("#drill-rpo .target-line", 1)],
        ["retention"] = [("#retention-rows rect.bar", 2), ("tbody th[scope=row]", 2)],
        ["migrations"] = [("ol.steps li", 1), ("ol.steps summary", 1)],
        ["exports"] = [("#export-latency rect.bar", DashboardSeed.Exports), ("#export-latency .target-line", 1)],
    };

    // Beyond the RPO (24 h + 1 h slack) in the seed: the 48 h over the backup whose verification failed, the 72 h over the
    // two missed days, and the 25 h and more from the last daily backup (two days ago) to today's physical one.
    [Fact]
    public async Task Every_page_loads_under_its_CSP_without_errors_and_its_charts_render_with_labels()
    {
        Assert.True(HeadlessChromium.Find() is not null, "Chromium is required for the browser tests: apt-get install chromium (.ci/run installs it).");
        await using var browser = await HeadlessChromium.StartAsync();
        await using var page = await BrowserPage.OpenAsync(browser, Operator);
        var screenshots = Directory.CreateDirectory(Path.Combine(RepositoryRoot(), "artifacts", "dashboard")).FullName;

        foreach (var (slug, checks) in Expected)
        {
            var name = slug.Length == 0 ? "overview" : slug;
            await page.SetViewportAsync(1280, 900, mobile: false);
            await page.GoToAsync(new Uri(dashboard.Host.BaseAddress, "/dataguard/" + slug));
            Assert.True(page.Problems.IsEmpty, $"{name}: {string.Join("\n", page.Problems)}");
            Assert.Equal("en", (await page.Cdp.EvaluateAsync("document.documentElement.lang")).GetString());
            Assert.Equal(1, (await page.Cdp.EvaluateAsync("document.querySelectorAll('main h1').length")).GetInt32());
            Assert.Equal(1, (await page.Cdp.EvaluateAsync("document.querySelectorAll('header, nav, main, footer').length === 4 ? 1 : 0")).GetInt32());
            Assert.Equal(0, (await page.Cdp.EvaluateAsync("document.scripts.length")).GetInt32());

            // The stylesheet applied (the CSP let it in): the skip link is moved off screen by it.
            Assert.True((await page.Cdp.EvaluateAsync("document.querySelector('a.skip').getBoundingClientRect().left")).GetDouble() < 0, $"{name}: the stylesheet did not apply");

            foreach (var (selector, count) in checks)
            {
                var found = (await page.Cdp.EvaluateAsync($"document.querySelectorAll({JsonSerializer.Serialize(selector)}).length")).GetInt32();
                Assert.True(found == count, $"{name}: {count} elements expected for {selector}, found {found}");
            }

            // Every chart is an image with a title and a description, and each mark has a tooltip.
            var charts = await page.Cdp.EvaluateAsync("""
                [...document.querySelectorAll('svg')].map(s => ({
                  role: s.getAttribute('role'),
                  labelled: (s.getAttribute('aria-labelledby') || '').split(' ').every(id => id && document.getElementById(id)?.textContent.trim().length > 0),
                  title: s.querySelector(':scope > title')?.textContent ?? '',
                  rendered: s.getBoundingClientRect().width > 300,
                  untitledMarks: [...s.querySelectorAll('rect.bar, circle.mark, path.failure-mark, rect.window-gap')].filter(m => !m.querySelector('title')?.textContent).length
                }))
                """);
            foreach (var chart in charts.EnumerateArray())
            {
                Assert.Equal("img", chart.GetProperty("role").GetString());
                Assert.True(chart.GetProperty("labelled").GetBoolean(), $"{name}: {chart}");
                Assert.False(string.IsNullOrWhiteSpace(chart.GetProperty("title").GetString()));
                Assert.True(chart.GetProperty("rendered").GetBoolean(), $"{name}: {chart}");
                Assert.Equal(0, chart.GetProperty("untitledMarks").GetInt32());
            }

            await File.WriteAllBytesAsync(Path.Combine(screenshots, $"{name}-1280.png"), await page.ScreenshotAsync());

            // A phone: nothing wider than the screen (tables scroll inside their own region).
            await page.SetViewportAsync(390, 844, mobile: true);
            await page.GoToAsync(new Uri(dashboard.Host.BaseAddress, "/dataguard/" + slug));
            Assert.True(page.Problems.IsEmpty, $"{name} (phone): {string.Join("\n", page.Problems)}");
            Assert.True((await page.Cdp.EvaluateAsync("document.documentElement.scrollWidth <= window.innerWidth + 1")).GetBoolean(), $"{name}: wider than a 390 px phone");
            await File.WriteAllBytesAsync(Path.Combine(screenshots, $"{name}-phone.png"), await page.ScreenshotAsync());
        }

        // Dark theme follows the browser.
        await page.SetViewportAsync(1280, 900, mobile: false, colorScheme: "dark");
        await page.GoToAsync(new Uri(dashboard.Host.BaseAddress, "/dataguard/"));
        Assert.Equal("rgb(13, 17, 23)", (await page.Cdp.EvaluateAsync("getComputedStyle(document.body).backgroundColor")).GetString());
        await File.WriteAllBytesAsync(Path.Combine(screenshots, "overview-dark.png"), await page.ScreenshotAsync());
    }

    [Fact]
    public async Task The_keyboard_reaches_every_link_with_a_visible_focus_starting_with_the_skip_link()
    {
        Assert.True(HeadlessChromium.Find() is not null, "Chromium is required for the browser tests: apt-get install chromium (.ci/run installs it).");
        await using var browser = await HeadlessChromium.StartAsync();
        await using var page = await BrowserPage.OpenAsync(browser, Operator);
        await page.SetViewportAsync(1280, 900, mobile: false);
        foreach (var slug in Expected.Keys)
        {
            await page.GoToAsync(new Uri(dashboard.Host.BaseAddress, "/dataguard/" + slug));
            var links = (await page.Cdp.EvaluateAsync("[...document.querySelectorAll('a[href]')].map(a => a.href)")).EnumerateArray().Select(l => l.GetString()!).ToHashSet();
            var focusable = (await page.Cdp.EvaluateAsync("document.querySelectorAll('a[href], summary, [tabindex]:not([tabindex=\"-1\"])').length")).GetInt32();
            var reached = new List<string>();
            for (var i = 0; i < focusable + 2; i++)
            {
                await page.PressTabAsync();
                var focused = await page.Cdp.EvaluateAsync("""
                    (() => { const e = document.activeElement; const s = getComputedStyle(e);
                      return { href: e.href ?? '', tag: e.tagName, outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 }; })()
                    """);
                if (focused.GetProperty("tag").GetString() is "A" or "SUMMARY")
                {
                    Assert.True(focused.GetProperty("outline").GetBoolean(), $"{slug}: no visible focus on {focused}");
                }

                reached.Add(focused.GetProperty("href").GetString()!);
            }

            Assert.EndsWith("#main", reached[0], StringComparison.Ordinal);
            Assert.Empty(links.Except(reached));
            Assert.True(page.Problems.IsEmpty, string.Join("\n", page.Problems));
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DataGuard.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("DataGuard.sln not found above " + AppContext.BaseDirectory);
    }
}
