using System.Globalization;
using System.Text;
using DataGuard.Backup;
using static DataGuard.AspNetCore.Dashboard.Html;

namespace DataGuard.AspNetCore.Dashboard;

/// <summary>The body of each dashboard page, from its model.</summary>
internal static class DashboardPages
{
    public static string Overview(OverviewPage page, string basePath)
    {
        var html = new StringBuilder();
        html.Append("<p>").Append(Badge(page.Healthy ? "ok" : "failing")).Append(' ').Append(page.Healthy ? "Every part is within its targets." : "Something needs attention.").Append("</p>");
        html.Append("<ul class=\"lights\">");
        foreach (var light in page.Lights)
        {
            html.Append("<li class=\"light state-").Append(E(light.State)).Append("\"><h2>").Append(E(light.Name)).Append("</h2><p>").Append(Badge(light.State)).Append("</p>");
            html.Append("<p class=\"value\">").Append(E(light.Value)).Append("</p><p class=\"muted\">Target: ").Append(E(light.Target)).Append("</p><p>").Append(E(light.Summary)).Append("</p>");
            html.Append("<p><a href=\"").Append(E($"{basePath}/{light.Page}")).Append("\">").Append(E(light.Name)).Append(" details</a></p></li>");
        }

        html.Append("</ul><h2>dataguard status</h2>");
        Table(html, "Each part of DataGuard, as dataguard status reports it", ["Part", "State", "Summary"], page.Status.Select(s => (IReadOnlyList<string>)[E(s.Part), Badge(s.State), E(s.Summary)]));
        return html.ToString();
    }

    public static string Backups(BackupsPage page)
    {
        var html = new StringBuilder();
        Problem(html, page.Problem);
        var failures = page.Failures.Select(f => new Svg.Marker(f.At, $"{f.Id}: {f.Reason}")).ToList();
        html.Append(CultureInfo.InvariantCulture, $"<p>{page.Backups.Count} backup(s) and {page.Failures.Count} failure(s) in the retention period of {page.RetentionDays} days ({E(Time(page.From))} to {E(Time(page.To))}). Failures are marked in red.</p>");
        html.Append("<p class=\"note\">Failures shown are those storage keeps: data without a manifest (a run that failed or was interrupted after it began writing) and failed verifications. A run that failed before it wrote anything leaves no record in storage; the backup health check (RPO light on the overview) reports this host's last outcome.</p>");
        html.Append(Svg.TimeChart(
            "backup-size",
            "Stored size per backup",
            $"Stored size of each of the {page.Backups.Count} backups over the last {page.RetentionDays} days; {page.Failures.Count} failure(s) marked.",
            page.From,
            page.To,
            [.. page.Backups.Select(b => new Svg.Point(b.CompletedAt, b.StoredBytes, $"{b.Id}: {Bytes(b.StoredBytes)} stored ({b.Status})", b.Status == DashboardData.StatusText(BackupStatus.VerificationFailed)))],
            v => Bytes((long)v),
            markers: failures));
        html.Append(Svg.TimeChart(
            "backup-duration",
            "Duration per backup",
            $"How long each backup took, over the last {page.RetentionDays} days.",
            page.From,
            page.To,
            [.. page.Backups.Select(b => new Svg.Point(b.CompletedAt, b.DurationSeconds, $"{b.Id}: {DashboardData.Duration(b.DurationSeconds)}", b.Status == DashboardData.StatusText(BackupStatus.VerificationFailed)))],
            DashboardData.Duration,
            markers: failures));
        html.Append(Svg.TimeChart(
            "backup-rpo",
            "Hours between verified backups against the RPO",
            $"Time since the previous verified backup, for each verified backup; the dashed line is the RPO of {N(page.RpoHours)} h; a bar beyond the RPO and its slack ({N(page.RpoSlackHours)} h), in red, is a window in which a disaster would have lost more than the RPO allows.",
            page.From,
            page.To,
            [.. page.Backups.Where(b => b.HoursSincePrevious is not null).Select(b => new Svg.Point(b.CompletedAt, b.HoursSincePrevious!.Value, $"{b.Id}: {DashboardData.Hours(b.HoursSincePrevious!.Value)} after the previous verified backup", b.HoursSincePrevious > page.RpoHours + page.RpoSlackHours))],
            DashboardData.Hours,
            (page.RpoHours, $"RPO {N(page.RpoHours, "F0")} h"),
            failures));
        Table(html, "Backups in the retention period, newest first", ["Backup", "Kind", "Completed", "Duration", "Stored", "Raw", "State"], page.Backups.OrderByDescending(b => b.CompletedAt).Select(b => (IReadOnlyList<string>)[E(b.Id), E(b.Kind), E(Time(b.CompletedAt)), E(DashboardData.Duration(b.DurationSeconds)), E(Bytes(b.StoredBytes)), E(Bytes(b.RawBytes)), Badge(b.Status == DashboardData.StatusText(BackupStatus.Verified) ? "ok" : b.Status == DashboardData.StatusText(BackupStatus.Unverified) ? "warning" : "failing") + " " + E(b.Status)]));
        Table(html, "Failures in the retention period", ["Backup", "When", "What"], page.Failures.OrderByDescending(f => f.At).Select(f => (IReadOnlyList<string>)[E(f.Id), E(Time(f.At)), E(f.Reason)]));
        return html.ToString();
    }

    public static string Pitr(PitrPage page)
    {
        var html = new StringBuilder();
        Problem(html, page.Problem);
        if (!page.Enabled)
        {
            html.Append("<p class=\"note\">Point-in-time recovery is off (DataGuard:Pitr:Enabled). Only the daily logical backups can be restored.</p>");
            return html.ToString();
        }

        html.Append(Svg.WindowBar("pitr-window", page));
        html.Append("<dl class=\"facts\">");
        html.Append("<dt>Target window</dt><dd>").Append(E($"the last {page.WindowDays} days")).Append("</dd>");
        html.Append("<dt>Earliest restorable</dt><dd>").Append(E(Time(page.EarliestRestorable))).Append("</dd>");
        html.Append("<dt>Latest restorable</dt><dd>").Append(E(Time(page.LatestRestorable))).Append("</dd>");
        html.Append("<dt>Verified base backups</dt><dd>").Append(page.BaseBackups.ToString(CultureInfo.InvariantCulture)).Append("</dd>");
        html.Append("<dt>Gaps</dt><dd>").Append(page.Gaps.Count.ToString(CultureInfo.InvariantCulture)).Append(page.Gaps.Count > 0 ? " — a restore cannot pass a gap: take a new base backup after it." : string.Empty).Append("</dd></dl>");
        Table(html, "Gaps in the WAL archive", ["Timeline", "First missing", "Last missing", "Segments", "After", "Before"], page.Gaps.Select(g => (IReadOnlyList<string>)[E(g.Timeline), E(g.FirstMissing), E(g.LastMissing), g.Count.ToString(CultureInfo.InvariantCulture), E(Time(g.After)), E(Time(g.Before))]));
        return html.ToString();
    }

    public static string Drills(DrillsPage page)
    {
        var html = new StringBuilder();
        Problem(html, page.Problem);
        var from = page.Drills.Select(d => d.StartedAt).DefaultIfEmpty(page.GeneratedAt.AddDays(-90)).Min();
        var to = page.GeneratedAt;
        var passed = page.Drills.Count(d => d.Passed);
        html.Append(CultureInfo.InvariantCulture, $"<p>{page.Drills.Count} drill(s) recorded, {passed} passed. Targets: RTO {E(DashboardData.Duration(page.RtoTargetSeconds))}, RPO {E(DashboardData.Duration(page.RpoTargetSeconds))}.</p>");
        html.Append(Svg.TimeChart(
            "drill-rto",
            "Measured RTO per drill against the target",
            $"How long each drill's restore took (the actual RTO); the dashed line is the target of {DashboardData.Duration(page.RtoTargetSeconds)}.",
            from,
            to,
            [.. page.Drills.Where(d => d.RtoSeconds is not null).Select(d => new Svg.Point(d.StartedAt, d.RtoSeconds!.Value, $"{d.Id}: restored in {DashboardData.Duration(d.RtoSeconds!.Value)}{(d.Passed ? string.Empty : " (failed)")}", !d.Passed || d.RtoSeconds > page.RtoTargetSeconds))],
            DashboardData.Duration,
            (page.RtoTargetSeconds, "RTO target " + DashboardData.Duration(page.RtoTargetSeconds)),
            [.. page.Drills.Where(d => !d.Passed).Select(d => new Svg.Marker(d.StartedAt, $"{d.Id} failed: {d.Error ?? "a check failed"}"))],
            line: true));
        html.Append(Svg.TimeChart(
            "drill-rpo",
            "Measured RPO per drill against the target",
            $"The age of the restored backup when each drill started (the data a disaster then would have lost); the dashed line is the RPO of {DashboardData.Duration(page.RpoTargetSeconds)}.",
            from,
            to,
            [.. page.Drills.Where(d => d.RpoSeconds is not null).Select(d => new Svg.Point(d.StartedAt, d.RpoSeconds!.Value, $"{d.Id}: backup {DashboardData.Duration(d.RpoSeconds!.Value)} old", d.RpoSeconds > page.RpoTargetSeconds))],
            DashboardData.Duration,
            (page.RpoTargetSeconds, "RPO " + DashboardData.Duration(page.RpoTargetSeconds)),
            line: true));
        Table(html, "Drills, newest first", ["Drill", "Started", "Backup", "Result", "RTO", "RPO", "Checks", "Error"], page.Drills.Select(d => (IReadOnlyList<string>)[E(d.Id), E(Time(d.StartedAt)), E(d.BackupId ?? "–"), Badge(d.Passed ? "ok" : "failing"), E(d.RtoSeconds is { } r ? DashboardData.Duration(r) : "–"), E(d.RpoSeconds is { } p ? DashboardData.Duration(p) : "–"), E($"{d.ChecksPassed}/{d.Checks}"), E(d.Error ?? string.Empty)]));
        return html.ToString();
    }

    public static string Retention(RetentionPage page)
    {
        var html = new StringBuilder();
        Problem(html, page.Problem);
        html.Append("<p>").Append(page.Policies.Count == 0 ? "No retention policy is configured." : E($"{page.Policies.Count} policies configured: {string.Join(", ", page.Policies)}.")).Append("</p>");
        var runs = page.Runs.Where(r => !r.DryRun).ToList();
        if (runs.Count > 0)
        {
            html.Append(Svg.TimeChart(
                "retention-rows",
                "Rows acted on per retention run",
                $"Rows deleted, anonymized or archived by each of the last {runs.Count} runs (all policies); held rows are in the table.",
                runs.Min(r => r.StartedAt) - TimeSpan.FromHours(12),
                page.GeneratedAt,
                [.. runs.Select(r => new Svg.Point(r.StartedAt, r.Policies.Sum(p => p.RowsAffected), $"Run {r.Id}: {r.Policies.Sum(p => p.RowsAffected)} rows, {r.Policies.Sum(p => p.RowsHeld)} held", r.Policies.Any(p => p.Error is not null)))],
                v => N(v, "F0")));
        }

        Table(
            html,
            "Retention runs: one row per policy per run, newest first",
            ["Run", "Started", "Policy", "Action", "Rows", "Held", "Batches", "Duration", "Result"],
            page.Runs.SelectMany(r => r.Policies.DefaultIfEmpty().Select(p => (IReadOnlyList<string>)[
                E($"{r.Id}{(r.DryRun ? " (dry run)" : string.Empty)}"),
                E(Time(r.StartedAt)),
                E(p?.Policy ?? "–"),
                E(p?.Action ?? "–"),
                E(p?.RowsAffected.ToString("N0", CultureInfo.InvariantCulture) ?? "–"),
                E(p?.RowsHeld.ToString("N0", CultureInfo.InvariantCulture) ?? "–"),
                E(p?.Batches.ToString(CultureInfo.InvariantCulture) ?? "–"),
                E(p is null ? "–" : DashboardData.Duration(p.DurationMs / 1000.0)),
                p is null ? E(r.FinishedAt is null ? "did not finish" : "no policy") : p.Error is null ? Badge("ok") : Badge("failing") + " " + E(p.Error)])));
        return html.ToString();
    }

    public static string Migrations(MigrationsPage page)
    {
        var html = new StringBuilder();
        Problem(html, page.Problem);
        html.Append("<h2>Rollback plan for the last deploy</h2>");
        if (page.LastDeploy is not { } plan)
        {
            html.Append("<p class=\"note\">No migration is applied: there is nothing to roll back.</p>");
        }
        else if (!plan.Possible)
        {
            html.Append("<p class=\"problem\">").Append(E($"Deploy {plan.Deploy} cannot be rolled back as it stands: {plan.Refusal}")).Append("</p>");
        }
        else
        {
            html.Append("<p>").Append(E($"Deploy {plan.Deploy}: `dataguard migrate down --deploy {plan.Deploy}` would run these {plan.Steps.Count} down script(s), newest first (the dashboard runs nothing).")).Append("</p><ol class=\"steps\">");
            foreach (var step in plan.Steps)
            {
                html.Append("<li><details><summary>").Append(E($"{step.Version} {step.Title} ({step.Transaction})")).Append("</summary><pre>").Append(E(step.Script)).Append("</pre></details></li>");
            }

            html.Append("</ol>");
        }

        if (page.Pending.Count > 0)
        {
            html.Append("<p>").Append(E($"{page.Pending.Count} migration(s) in the folder are not applied: {string.Join(", ", page.Pending)}.")).Append("</p>");
        }

        Table(html, "Migration ledger, newest version first", ["Version", "Title", "State", "Applied", "By", "Deploy", "Took", "Down script"], page.Ledger.Select(e => (IReadOnlyList<string>)[E(e.Version.ToString(CultureInfo.InvariantCulture)), E(e.Title), Badge(e.State switch { "Applied" => "ok", "RolledBack" => "off", "Dirty" or "Failed" => "failing", _ => "warning" }) + " " + E(e.State) + (e.Error is null ? string.Empty : " " + E(e.Error)), E(Time(e.AppliedAt)), E(e.AppliedBy), E(e.DeployId), E(DashboardData.Duration(e.ExecutionMs / 1000.0)), E(e.Irreversible ? "irreversible" : e.HasDown ? "stored" : "missing")]));
        Table(html, "History of ups and downs, newest first", ["Version", "Direction", "Outcome", "When", "By", "Took", "Deploy"], page.History.Select(h => (IReadOnlyList<string>)[E(h.Version.ToString(CultureInfo.InvariantCulture)), E(h.Direction), E(h.Outcome + (h.Error is null ? string.Empty : ": " + h.Error)), E(Time(h.At)), E(h.By), E(DashboardData.Duration(h.DurationMs / 1000.0)), E(h.DeployId ?? "–")]));
        return html.ToString();
    }

    public static string Exports(ExportsPage page)
    {
        var html = new StringBuilder();
        Problem(html, page.Problem);
        var state = page.P95Seconds is { } p95 ? (p95 <= page.TargetSeconds ? "ok" : "failing") : "off";
        html.Append("<dl class=\"facts\">");
        html.Append("<dt>Request to ready, p50 (24 h)</dt><dd>").Append(E(page.P50Seconds is { } p50 ? DashboardData.Duration(p50) : "no export ready in the last day")).Append("</dd>");
        html.Append("<dt>Request to ready, p95 (24 h)</dt><dd>").Append(Badge(state)).Append(' ').Append(E(page.P95Seconds is { } p ? DashboardData.Duration(p) : "–")).Append("</dd>");
        html.Append("<dt>Target</dt><dd>").Append(E("ready within " + DashboardData.Duration(page.TargetSeconds))).Append("</dd>");
        html.Append("<dt>Queue</dt><dd>").Append(E($"{page.Pending} pending, {page.Running} running, {page.FailedLastDay} failed in 24 h")).Append("</dd></dl>");
        var ready = page.Jobs.Where(j => j.LatencySeconds is not null).ToList();
        var from = page.Jobs.Select(j => j.RequestedAt).DefaultIfEmpty(page.GeneratedAt.AddDays(-1)).Min();
        html.Append(Svg.TimeChart(
            "export-latency",
            "Request-to-ready time per export against the 5-minute target",
            $"Time from request to ready for each of the last {ready.Count} ready exports; the dashed line is the target of {DashboardData.Duration(page.TargetSeconds)}; failed jobs are marked.",
            from - TimeSpan.FromMinutes(5),
            page.GeneratedAt,
            [.. ready.Select(j => new Svg.Point(j.RequestedAt, j.LatencySeconds!.Value, $"Export {j.Id}: ready in {DashboardData.Duration(j.LatencySeconds!.Value)}", j.LatencySeconds > page.TargetSeconds))],
            DashboardData.Duration,
            (page.TargetSeconds, "target " + DashboardData.Duration(page.TargetSeconds)),
            [.. page.Jobs.Where(j => j.Status == "failed").Select(j => new Svg.Marker(j.RequestedAt, $"Export {j.Id} failed: {j.Error}"))]));
        Table(html, "Latest export jobs (subjects are not shown)", ["Job", "State", "Requested", "Ready", "Took", "Formats", "Attempts"], page.Jobs.Select(j => (IReadOnlyList<string>)[E(j.Id.ToString()), Badge(j.Status switch { "ready" or "expired" => "ok", "failed" => "failing", _ => "warning" }) + " " + E(j.Status) + (j.Error is null ? string.Empty : ": " + E(j.Error)), E(Time(j.RequestedAt)), E(Time(j.FinishedAt)), E(j.LatencySeconds is { } l ? DashboardData.Duration(l) : "–"), E(string.Join(", ", j.Formats)), j.Attempts.ToString(CultureInfo.InvariantCulture)]));
        return html.ToString();
    }

    /// <summary>The notice every page shows while DataGuard's schema is missing or older than this release expects.</summary>
    public static string Schema(SchemaNotice notice) =>
        $"<section aria-labelledby=\"schema\"><h2 id=\"schema\">{E(notice.InstalledVersion is null ? "DataGuard's schema is not installed" : "DataGuard's schema is out of date")}</h2><p class=\"problem\" role=\"alert\">{E(notice.Detail)}</p></section>";

    private static void Problem(StringBuilder html, string? problem)
    {
        if (problem is not null)
        {
            html.Append("<p class=\"problem\" role=\"alert\">").Append(E(problem)).Append("</p>");
        }
    }
}
