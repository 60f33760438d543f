using System.Buffers;
using System.Data.Common;
using Microsoft.Extensions.Logging;

namespace SkillInference.Batch.Relational;

/// <summary>
/// What one database spells or does differently from another, for the one relational run store and feature source:
/// how ids and timestamps are stored, how a JSON column is read and written, how rows and run starts are locked, how a
/// list of ids is passed, the bulk write of assessments, and which failures are the database's (classified in the
/// adapter's one place). What every supported database spells the same way is written once in the shared SQL: named
/// parameters (<c>@name</c>), <c>ON CONFLICT (...) DO NOTHING</c> / <c>DO UPDATE SET c = excluded.c</c>,
/// <c>LIMIT</c>, <c>TRUE</c>, <c>WITH ... AS (VALUES ...)</c>.
/// </summary>
internal abstract class RelationalDialect
{
    private MultiRowInsert<SkillAssessment>? _assessments;

    /// <summary>The suffix of a <c>SELECT</c> that locks the rows it reads until the transaction ends (empty where the transaction already holds the database's write lock).</summary>
    public abstract string LockRowsSuffix { get; }

    /// <summary>
    /// A timestamp as every database stores it: UTC, to the microsecond (PostgreSQL's precision), so that run rules
    /// computed from stored times give the same results everywhere.
    /// </summary>
    public static DateTimeOffset Stored(DateTimeOffset value)
    {
        var utc = value.UtcTicks;
        return new DateTimeOffset(utc - (utc % TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);
    }

    /// <summary>The parameter value of a timestamp (stored to the microsecond, see <see cref="Stored"/>).</summary>
    public abstract object Timestamp(DateTimeOffset value);

    /// <summary>The parameter value of an optional timestamp (<see cref="DBNull"/> for none).</summary>
    public object Timestamp(DateTimeOffset? value) => value is { } v ? Timestamp(v) : DBNull.Value;

    /// <summary>Reads a non-null timestamp column.</summary>
    public abstract DateTimeOffset ReadTimestamp(DbDataReader reader, int ordinal);

    /// <summary>The parameter value of a run id.</summary>
    public abstract object Id(Guid value);

    /// <summary>Reads a run id column.</summary>
    public abstract Guid ReadId(DbDataReader reader, int ordinal);

    /// <summary>The expression of <paramref name="later"/> − <paramref name="earlier"/> (two timestamp columns) in seconds, as a double.</summary>
    public abstract string SecondsBetween(string later, string earlier);

    /// <summary>The select expression that reads a JSON column as text.</summary>
    public abstract string JsonText(string column);

    /// <summary>The value expression that writes a text parameter into a JSON column.</summary>
    public abstract string JsonValue(string parameter);

    /// <summary>Binds a list of student ids to <paramref name="command"/>; returns the condition that <paramref name="column"/> is one of them.</summary>
    public abstract string StudentIdIn(DbCommand command, string column, IReadOnlyCollection<string> studentIds);

    /// <summary>
    /// The query of a change watermark (one <c>bigint</c>): every change of <c>student_features</c> not visible to a read
    /// that starts after it gets a <c>change_seq</c> at or after it (the migrations' triggers assign <c>change_seq</c>).
    /// </summary>
    public abstract string ChangeWatermarkSql { get; }

    /// <summary>Makes run starts (which abandon stale runs and refuse a second running one) one at a time across hosts, until the transaction ends.</summary>
    public abstract Task LockRunStartsAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

    /// <summary>
    /// Inserts a shard's assessments, keeping rows already present (same student, skill, version and feature hash);
    /// returns how many were inserted. By default batched prepared multi-row <c>INSERT ... ON CONFLICT DO NOTHING</c>.
    /// </summary>
    /// <param name="connection">The open connection.</param>
    /// <param name="transaction">The shard's transaction.</param>
    /// <param name="assessments">The rows.</param>
    /// <param name="wholeRange">
    /// Whether the rows' students are every student of their range of ids (a full run's shard), so that rows present
    /// are best looked for by the range; else (an incremental shard: a few students spread over a wide range) by id.
    /// </param>
    /// <param name="cancellationToken">Cancels the insert.</param>
    public virtual Task<int> InsertAssessmentsAsync(DbConnection connection, DbTransaction transaction, AssessmentBlock assessments, bool wholeRange, CancellationToken cancellationToken) =>
        (_assessments ??= new MultiRowInsert<SkillAssessment>(
            "skill_assessments",
            ["student_id", "skill", "score", "confidence", "model_version", "variant", "feature_hash", "run_id", "assessed_at"],
            "ON CONFLICT (student_id, skill, model_version, feature_hash) DO NOTHING",
            (a, values) =>
            {
                values[0] = a.StudentId;
                values[1] = a.Skill;
                values[2] = a.Score;
                values[3] = a.Confidence;
                values[4] = a.ModelVersion;
                values[5] = a.Variant;
                values[6] = a.FeatureHash;
                values[7] = Id(a.RunId);
                values[8] = Timestamp(a.AssessedAt);
            })).ExecuteAsync(connection, transaction, assessments, cancellationToken);

    /// <summary>
    /// Reads a text column's UTF-8 bytes into <paramref name="buffer"/> (a buffer of the shared pool, replaced by a
    /// larger one when too small); returns their length. By default with <see cref="DbDataReader.GetBytes"/>, no copy
    /// beyond the buffer.
    /// </summary>
    public virtual int ReadUtf8(DbDataReader reader, int ordinal, ref byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var length = checked((int)reader.GetBytes(ordinal, 0, null, 0, 0));
        EnsureCapacity(ref buffer, length);
        return (int)reader.GetBytes(ordinal, 0, buffer, 0, length);
    }

    /// <summary>Whether an exception is a failure of the database or of the connection to it.</summary>
    public abstract bool IsDatabaseFailure(Exception exception);

    /// <summary>Classifies a database failure (transient or permanent, in the adapter's one place), logs it and returns what to throw.</summary>
    public abstract BatchStoreException Fail(ILogger logger, Exception exception, string operation);

    /// <summary>Replaces a pooled buffer by a larger one from the shared pool when it is shorter than <paramref name="length"/>.</summary>
    protected static void EnsureCapacity(ref byte[] buffer, int length)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (buffer.Length < length)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = ArrayPool<byte>.Shared.Rent(length);
        }
    }
}
