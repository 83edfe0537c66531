namespace MambaNano
{
    /// <summary>
    /// A debounced condition of a sensor input (silent, clipped, stuck, saturated): it becomes
    /// active after <c>onCount</c> consecutive observations where it holds, and clears after
    /// <c>offCount</c> consecutive ones where it does not, so a status line is printed once per
    /// episode rather than once per sample.
    /// </summary>
    public sealed class ConditionMonitor
    {
        /// <summary>Update's result: nothing changed.</summary>
        public const int NoChange = 0;
        /// <summary>Update's result: the condition just became active.</summary>
        public const int Raised = 1;
        /// <summary>Update's result: the condition just cleared.</summary>
        public const int Cleared = 2;

        private readonly int _onCount;
        private readonly int _offCount;
        private int _run;
        private bool _active;

        public ConditionMonitor(int onCount, int offCount)
        {
            _onCount = onCount;
            _offCount = offCount;
        }

        public bool Active => _active;

        /// <summary>Observe one sample or hop. Returns NoChange, Raised or Cleared.</summary>
        public int Update(bool holds)
        {
            if (holds == _active)
            {
                _run = 0;
                return NoChange;
            }
            _run++;
            if (_run < (_active ? _offCount : _onCount))
            {
                return NoChange;
            }
            _run = 0;
            _active = holds;
            return holds ? Raised : Cleared;
        }

        public void Clear()
        {
            _run = 0;
            _active = false;
        }
    }
}
