using System.Data.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SkillInference.Batch.Relational;

namespace SkillInference.Monitoring.Relational;

/// <summary>
/// Monitoring's tables (<c>validation_results</c>, <c>monitoring_alerts</c>, migration 0003) and the rating join, in the
/// batch database over ADO.NET, the same SQL for every database; the <see cref="RelationalDialect"/> supplies the time
/// difference and the storage of ids and timestamps.
/// </summary>
internal sealed class RelationalMonitoringStore : IMonitoringStore
{
    private const string ValidationColumns =
        "skill, model_version, variant, n, pearson_r, ci_low, ci_high, spearman, assessed_students, coverage, median_label_delay_seconds, state, threshold, minimum_n, evaluated_at";

    private const string AlertColumns =
        "alert_id, kind, skill, model_version, state, value, threshold, n, ci_low, ci_high, summary, good_evaluations, opened_at, updated_at, cleared_at";

    private readonly RelationalDatabase _database;
    private readonly RelationalDialect _dialect;
    private readonly ILogger _logger;
    private readonly MultiRowInsert<ValidationResult> _results;

    public RelationalMonitoringStore(RelationalDatabase database, ILogger<RelationalMonitoringStore>? logger = null)
    {
        _database = database;
        _dialect = database.Dialect;
        var dialect = _dialect;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _results = new MultiRowInsert<ValidationResult>(
            "validation_results",
            ValidationColumns.Split(", "),
            "ON CONFLICT (skill, model_version, variant, evaluated_at) DO NOTHING",
            (r, values) =>
            {
                values[0] = r.Skill;
                values[1] = r.ModelVersion;
                values[2] = r.Variant;
                values[3] = r.N;
                values[4] = Nullable(r.PearsonR);
                values[5] = Nullable(r.CiLow);
                values[6] = Nullable(r.CiHigh);
                values[7] = Nullable(r.Spearman);
                values[8] = r.AssessedStudents;
                values[9] = Nullable(r.Coverage);
                values[10] = Nullable(r.MedianLabelDelay?.TotalSeconds);
                values[11] = r.State;
                values[12] = r.Threshold;
                values[13] = r.MinimumN;
                values[14] = dialect.Timestamp(r.EvaluatedAt);
            });
    }

    public Task<IReadOnlyList<RatedGroup>> ReadRatedPairsAsync(TimeSpan window, CancellationToken cancellationToken = default) =>
        _database.ExecuteAsync<IReadOnlyList<RatedGroup>>(_logger, "pairing teacher ratings with assessments", async connection =>
        {
            var assessed = new Dictionary<(string, string, string), int>();
            await using (var count = connection.Command(null, "SELECT skill, model_version, variant, COUNT(DISTINCT student_id) FROM skill_assessments GROUP BY skill, model_version, variant"))
            await using (var reader = await count.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    assessed[(reader.GetString(0), reader.GetString(1), reader.GetString(2))] = Convert.ToInt32(reader.GetValue(3), System.Globalization.CultureInfo.InvariantCulture);
                }
            }

            // Per rating and per version/variant of its skill's assessments: the one closest in time (ties: the later).
            var delay = _dialect.SecondsBetween("r.rated_at", "a.assessed_at");
            var sql = $"""
                WITH candidates AS (
                    SELECT r.skill AS skill, a.model_version AS model_version, a.variant AS variant, a.score AS score, r.rating AS rating, {delay} AS delay_seconds,
                           ROW_NUMBER() OVER (PARTITION BY r.student_id, r.skill, a.model_version, a.variant ORDER BY ABS({delay}), a.assessed_at DESC) AS nearest
                    FROM teacher_ratings r
                    JOIN skill_assessments a ON a.student_id = r.student_id AND a.skill = r.skill
                    WHERE ABS({delay}) <= @window
                )
                SELECT skill, model_version, variant, score, rating, delay_seconds FROM candidates WHERE nearest = 1
                """;
            var pairs = new Dictionary<(string, string, string), (List<double> Scores, List<double> Ratings, List<double> Delays)>();
            await using (var command = connection.Command(null, sql).With("window", window.TotalSeconds))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var key = (reader.GetString(0), reader.GetString(1), reader.GetString(2));
                    if (!pairs.TryGetValue(key, out var lists))
                    {
                        pairs[key] = lists = ([], [], []);
                    }

                    lists.Scores.Add(reader.GetDouble(3));
                    lists.Ratings.Add(Convert.ToDouble(reader.GetValue(4), System.Globalization.CultureInfo.InvariantCulture));
                    lists.Delays.Add(Convert.ToDouble(reader.GetValue(5), System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            return [.. assessed
                .OrderBy(g => g.Key.Item1, StringComparer.Ordinal).ThenBy(g => g.Key.Item2, StringComparer.Ordinal).ThenBy(g => g.Key.Item3, StringComparer.Ordinal)
                .Select(g => pairs.TryGetValue(g.Key, out var p)
                    ? new RatedGroup(g.Key.Item1, g.Key.Item2, g.Key.Item3, [.. p.Scores], [.. p.Ratings], [.. p.Delays], g.Value)
                    : new RatedGroup(g.Key.Item1, g.Key.Item2, g.Key.Item3, [], [], [], g.Value))];
        }, cancellationToken);

    public async Task SaveValidationAsync(IReadOnlyList<ValidationResult> results, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (results.Count == 0)
        {
            return;
        }

        await _database.ExecuteAsync(_logger, "storing validation results", async connection =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var inserted = await _results.ExecuteAsync(connection, transaction, results, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return inserted;
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<ValidationResult>> GetLatestValidationAsync(string? skill = null, CancellationToken cancellationToken = default) =>
        _database.ExecuteAsync<IReadOnlyList<ValidationResult>>(_logger, "reading validation results", async connection =>
        {
            await using var command = connection.Command(null, "");
            var filter = "";
            if (skill is not null)
            {
                command.With("skill", skill);
                filter = "v.skill = @skill AND ";
            }

            command.CommandText = $"""
                SELECT {Prefixed("v.", ValidationColumns)} FROM validation_results v
                WHERE {filter}v.evaluated_at = (SELECT MAX(w.evaluated_at) FROM validation_results w WHERE w.skill = v.skill AND w.model_version = v.model_version AND w.variant = v.variant)
                ORDER BY v.skill, v.model_version, v.variant
                """;
            return await ReadValidationAsync(command, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task<IReadOnlyList<ValidationResult>> GetValidationHistoryAsync(DateTimeOffset since, CancellationToken cancellationToken = default) =>
        _database.ExecuteAsync<IReadOnlyList<ValidationResult>>(_logger, "reading validation history", async connection =>
        {
            await using var command = connection.Command(null, $"SELECT {ValidationColumns} FROM validation_results WHERE evaluated_at >= @since ORDER BY evaluated_at, skill, model_version, variant")
                .With("since", _dialect.Timestamp(since));
            return await ReadValidationAsync(command, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task<MonitoringAlert?> GetOpenAlertAsync(string kind, string skill, string modelVersion, CancellationToken cancellationToken = default) =>
        _database.ExecuteAsync(_logger, "reading an open alert", async connection =>
        {
            await using var command = connection.Command(null, $"SELECT {AlertColumns} FROM monitoring_alerts WHERE state = 'open' AND kind = @kind AND skill = @skill AND model_version = @version")
                .With("kind", kind).With("skill", skill).With("version", modelVersion);
            var alerts = await ReadAlertsAsync(command, cancellationToken).ConfigureAwait(false);
            return alerts.Count == 0 ? null : alerts[0];
        }, cancellationToken);

    public Task<bool> TryOpenAlertAsync(MonitoringAlert alert, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return _database.ExecuteAsync(_logger, "opening an alert", async connection =>
        {
            await using var command = connection.Command(null, $"""
                INSERT INTO monitoring_alerts ({AlertColumns})
                VALUES (@id, @kind, @skill, @version, @state, @value, @threshold, @n, @ci_low, @ci_high, @summary, @good, @opened_at, @updated_at, @cleared_at)
                ON CONFLICT (kind, skill, model_version) WHERE state = 'open' DO NOTHING
                """);
            Bind(command, alert);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);
    }

    public Task UpdateAlertAsync(MonitoringAlert alert, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return _database.ExecuteAsync(_logger, "updating an alert", async connection =>
        {
            await using var command = connection.Command(null, """
                UPDATE monitoring_alerts SET state = @state, value = @value, threshold = @threshold, n = @n, ci_low = @ci_low, ci_high = @ci_high,
                    summary = @summary, good_evaluations = @good, updated_at = @updated_at, cleared_at = @cleared_at
                WHERE alert_id = @id AND kind = @kind AND skill = @skill AND model_version = @version AND opened_at = @opened_at
                """);
            Bind(command, alert);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    public Task<IReadOnlyList<MonitoringAlert>> GetAlertsAsync(DateTimeOffset since, int limit, CancellationToken cancellationToken = default) =>
        _database.ExecuteAsync(_logger, "reading alerts", async connection =>
        {
            await using var command = connection.Command(null, $"SELECT {AlertColumns} FROM monitoring_alerts WHERE state = 'open' OR updated_at >= @since ORDER BY updated_at DESC, opened_at DESC LIMIT @limit")
                .With("since", _dialect.Timestamp(since)).With("limit", limit);
            return await ReadAlertsAsync(command, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    private void Bind(DbCommand command, MonitoringAlert alert) =>
        command.With("id", _dialect.Id(alert.Id)).With("kind", alert.Kind).With("skill", alert.Skill).With("version", alert.ModelVersion)
            .With("state", alert.State).With("value", Nullable(alert.Value)).With("threshold", alert.Threshold).With("n", alert.N)
            .With("ci_low", Nullable(alert.CiLow)).With("ci_high", Nullable(alert.CiHigh)).With("summary", alert.Summary).With("good", alert.GoodEvaluations)
            .With("opened_at", _dialect.Timestamp(alert.OpenedAt)).With("updated_at", _dialect.Timestamp(alert.UpdatedAt)).With("cleared_at", _dialect.Timestamp(alert.ClearedAt));

    private async Task<IReadOnlyList<ValidationResult>> ReadValidationAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var results = new List<ValidationResult>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var delay = OptionalDouble(reader, 10);
            results.Add(new ValidationResult(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                Int(reader, 3),
                OptionalDouble(reader, 4),
                OptionalDouble(reader, 5),
                OptionalDouble(reader, 6),
                OptionalDouble(reader, 7),
                Int(reader, 8),
                OptionalDouble(reader, 9),
                delay is { } d ? TimeSpan.FromSeconds(d) : null,
                reader.GetString(11),
                reader.GetDouble(12),
                Int(reader, 13),
                _dialect.ReadTimestamp(reader, 14)));
        }

        return results;
    }

    private async Task<IReadOnlyList<MonitoringAlert>> ReadAlertsAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var alerts = new List<MonitoringAlert>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            alerts.Add(new MonitoringAlert(
                _dialect.ReadId(reader, 0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.GetString(4),
                OptionalDouble(reader, 5),
                reader.GetDouble(6),
                reader.IsDBNull(7) ? null : Int(reader, 7),
                OptionalDouble(reader, 8),
                OptionalDouble(reader, 9),
                reader.GetString(10),
                Int(reader, 11),
                _dialect.ReadTimestamp(reader, 12),
                _dialect.ReadTimestamp(reader, 13),
                reader.IsDBNull(14) ? null : _dialect.ReadTimestamp(reader, 14)));
        }

        return alerts;
    }

    private static string Prefixed(string prefix, string columns) => string.Join(", ", columns.Split(", ").Select(c => prefix + c));

    private static object Nullable(double? value) => value is { } v && double.IsFinite(v) ? v : DBNull.Value;

    private static double? OptionalDouble(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetDouble(ordinal);

    private static int Int(DbDataReader reader, int ordinal) => Convert.ToInt32(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture);
}
