using System.Data.Common;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using SkillInference.Batch;
using SkillInference.Batch.Relational;

namespace SkillInference.Postgres;

/// <summary>
/// PostgreSQL's side of the relational run store: <c>uuid</c> and <c>timestamptz</c> columns, <c>jsonb</c> read as
/// text, row locks (<c>FOR NO KEY UPDATE</c>) and a transaction advisory lock for run starts, id lists as arrays, and
/// assessments written by binary COPY into a staging table and one <c>INSERT ... ON CONFLICT DO NOTHING</c>.
/// </summary>
internal sealed class PostgresDialect : RelationalDialect
{
    /// <summary>Serializes run starts across hosts (the migrations' key + 1).</summary>
    private const long RunStartLockKey = PostgresMigrator.LockKey + 1;

    private PostgresDialect()
    {
    }

    public static PostgresDialect Instance { get; } = new();

    public override string LockRowsSuffix => " FOR NO KEY UPDATE";

    public override object Timestamp(DateTimeOffset value) => Stored(value).UtcDateTime;

    public override DateTimeOffset ReadTimestamp(DbDataReader reader, int ordinal) =>
        new(DateTime.SpecifyKind(reader.GetFieldValue<DateTime>(ordinal), DateTimeKind.Utc), TimeSpan.Zero);

    public override object Id(Guid value) => value;

    public override Guid ReadId(DbDataReader reader, int ordinal) => reader.GetGuid(ordinal);

    public override string SecondsBetween(string later, string earlier) => $"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS double precision)";

    public override string JsonText(string column) => column + "::text";

    public override string JsonValue(string parameter) => $"CAST({parameter} AS jsonb)";

    public override string StudentIdIn(DbCommand command, string column, IReadOnlyCollection<string> studentIds)
    {
        command.With("ids", studentIds.ToArray());
        return $"{column} = ANY(@ids)";
    }

    /// <summary>
    /// Rows carry the id of the transaction that last wrote them (migration 0002's trigger). The oldest transaction
    /// still running when the watermark is taken bounds every write not visible yet, committed later or not started.
    /// </summary>
    public override string ChangeWatermarkSql => "SELECT (pg_snapshot_xmin(pg_current_snapshot())::text)::bigint";

    public override async Task LockRunStartsAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(transaction, "SELECT pg_advisory_xact_lock(@key)").With("key", RunStartLockKey);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One <c>INSERT ... SELECT</c> over arrays bound as parameters (binary): per row only what differs from row to row
    /// (student, score, confidence, feature hash) and the index of its kind, the shard's few (skill, version, variant,
    /// run, time) combinations passed once and picked by subscript; no staging table, no sort on the server. The arrays
    /// are unnested side by side in the select list, which streams (<c>unnest(a, b, ...)</c> in <c>FROM</c> first copies
    /// every row into a tuplestore). Rows already present are left out by one hash anti-join against the shard's
    /// students' rows (<see cref="PresentInRange"/>, <see cref="PresentById"/>), so the insert itself needs no
    /// <c>ON CONFLICT</c>, whose per-row speculative insertion costs about as much as the insert. Another writer may
    /// still insert the same rows meanwhile (a shard delivered twice at once): then the insert fails on the unique key,
    /// is rolled back to its savepoint and done again with <c>ON CONFLICT DO NOTHING</c>. Rows go in (student, skill,
    /// version, hash) order, the same for every writer, so two writers of the same rows wait for each other instead of
    /// deadlocking.
    /// </summary>
    public override async Task<int> InsertAssessmentsAsync(DbConnection connection, DbTransaction transaction, AssessmentBlock assessments, bool wholeRange, CancellationToken cancellationToken)
    {
        var rows = AssessmentArrays.Of(assessments);
        var npgsql = (NpgsqlConnection)connection;
        try
        {
            var present = wholeRange ? PresentInRange : PresentById;
            await using var insert = rows.Bind(new NpgsqlCommand($"SAVEPOINT assessments; {PinPlan} {InsertSql} {present}; {UnpinPlan}", npgsql, (NpgsqlTransaction)transaction));
            return await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            await using var retry = rows.Bind(new NpgsqlCommand($"ROLLBACK TO SAVEPOINT assessments; {InsertSql} ON CONFLICT ON CONSTRAINT skill_assessments_key DO NOTHING", npgsql, (NpgsqlTransaction)transaction));
            return await retry.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The plan of the anti-join, pinned: an index scan of the shard's students' rows, hashed. During a run the table's
    /// statistics lag far behind it (the first shards of a run into a new table see it "empty"), and the planner then
    /// scans the whole table for the rows present, once per shard or once per row. Reverted right after the insert.
    /// </summary>
    private const string PinPlan = "SET LOCAL enable_seqscan = off; SET LOCAL enable_nestloop = off;";

    private const string UnpinPlan = "SET LOCAL enable_seqscan = DEFAULT; SET LOCAL enable_nestloop = DEFAULT";

    private const string InsertSql = """
        INSERT INTO skill_assessments (student_id, skill, score, confidence, model_version, variant, feature_hash, run_id, assessed_at)
        SELECT s.student_id, (@skills)[s.kind], s.score, s.confidence, (@versions)[s.kind], (@variants)[s.kind], s.feature_hash, (@runs)[s.kind], (@assessed_at)[s.kind]
        FROM (SELECT unnest(@students) AS student_id, unnest(@kinds) AS kind, unnest(@scores) AS score, unnest(@confidences) AS confidence, unnest(@hashes) AS feature_hash) AS s
        """;

    /// <summary>Leaves out rows present, found by one index range scan over the shard's range of students (a full run's shard).</summary>
    private const string PresentInRange = """
        WHERE NOT EXISTS (
            SELECT 1 FROM skill_assessments a
            WHERE a.student_id >= @first_student AND a.student_id <= @last_student
              AND a.student_id = s.student_id AND a.skill = (@skills)[s.kind] AND a.model_version = (@versions)[s.kind] AND a.feature_hash = s.feature_hash)
        """;

    /// <summary>
    /// Leaves out rows present, found by the shard's student ids (one index search each): an incremental shard's
    /// students are spread over a range that may hold every assessment of the table.
    /// </summary>
    private const string PresentById = """
        WHERE NOT EXISTS (
            SELECT 1 FROM skill_assessments a
            WHERE a.student_id = ANY(@distinct_students)
              AND a.student_id = s.student_id AND a.skill = (@skills)[s.kind] AND a.model_version = (@versions)[s.kind] AND a.feature_hash = s.feature_hash)
        """;

    public override bool IsDatabaseFailure(Exception exception) => PostgresErrors.IsDatabaseFailure(exception);

    public override BatchStoreException Fail(ILogger logger, Exception exception, string operation)
    {
        var translated = PostgresErrors.Translate(exception, operation);
        var kind = translated.Kind.ToString();
        var sqlState = (exception as PostgresException)?.SqlState ?? "none";
        Log.DatabaseFailed(logger, exception, operation, kind, sqlState);
        return translated;
    }
}
