/** Objects stay well under what etcd and the API server accept (1.5 MiB per object; ConfigMaps 1 MiB). */
export const MAX_OBJECT_BYTES = 900 * 1024;
