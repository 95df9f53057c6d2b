#!/bin/bash
# Device check (not part of CI): the test suite under CuPy and torch-CUDA, as CONVENTIONS.md's
# namespace matrix asks on a CUDA machine. Used through the workplace's device tool:
#   1. here, once: echo /.whl/ >> .git/info/exclude; python -m pip download --no-deps
#      --only-binary=:all: --python-version 3.12 --implementation cp -d .whl
#      array-api-compat==1.16 array-api-extra==0.11.5 array-api-strict==2.6.1
#   2. run (carry .whl): bash .ci/gpu_check.sh tests/<paths...>
# The image there has cupy, torch (CUDA), numba, scipy, hypothesis, pytest, pytest-xdist, e3nn.
# Results land in $OUT/gpu_pytest.log.
set -u
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target /tmp/site .whl/*.whl || exit 3
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
# the editable install maps backends/ and validation/ into refimpl; on this throwaway copy
# links do the same
ln -sfn ../backends refimpl/backends
ln -sfn ../validation refimpl/validation
nvidia-smi -L
python3 -c "import cupy, torch, numpy, scipy, numba; print('cupy', cupy.__version__, 'torch',
torch.__version__, 'numpy', numpy.__version__, 'scipy', scipy.__version__, 'numba', numba.__version__)"
REFIMPL_XP=cupy,torch REFIMPL_DEVICE=cuda timeout 420 python3 -m pytest -q -p no:cacheprovider \
  -n 8 -m "not slow" --deselect tests/test_packaging.py "$@" 2>&1 | tee "${OUT:-.}/gpu_pytest.log" \
  | tail -150
echo "pytest rc=${PIPESTATUS[0]}"
