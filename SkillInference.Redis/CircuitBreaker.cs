namespace SkillInference.Redis;

/// <summary>
/// Closed: calls go through; after <c>failuresToOpen</c> consecutive failures it opens and calls are skipped for the
/// break duration; then one call probes (half-open): success closes it, failure opens it again.
/// </summary>
internal sealed class CircuitBreaker(int failuresToOpen, TimeSpan breakDuration, TimeProvider time)
{
    private readonly Lock _gate = new();
    private int _failures;
    private DateTimeOffset _openUntil = DateTimeOffset.MinValue;
    private bool _probing;

    public bool IsOpen
    {
        get
        {
            lock (_gate)
            {
                return _failures >= failuresToOpen;
            }
        }
    }

    public DateTimeOffset? OpenedAt { get; private set; }

    /// <summary>Whether a call may go to Redis now (a half-open probe counts as allowed once).</summary>
    public bool Allow()
    {
        lock (_gate)
        {
            if (_failures < failuresToOpen)
            {
                return true;
            }

            if (time.GetUtcNow() >= _openUntil && !_probing)
            {
                _probing = true;
                return true;
            }

            return false;
        }
    }

    public void Success()
    {
        lock (_gate)
        {
            _failures = 0;
            _probing = false;
            OpenedAt = null;
        }
    }

    /// <summary>Records a failure; returns true when this failure opened the breaker.</summary>
    public bool Failure()
    {
        lock (_gate)
        {
            _probing = false;
            _failures++;
            if (_failures >= failuresToOpen)
            {
                _openUntil = time.GetUtcNow() + breakDuration;
                var opened = OpenedAt is null;
                OpenedAt ??= time.GetUtcNow();
                return opened;
            }

            return false;
        }
    }
}
