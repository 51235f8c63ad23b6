export { formatBytes } from '../../workers/hub/bytes-text';
