'''udisks2 mock template for Scrutin's drive tests.

python-dbusmock ships no udisks2 template, so this one publishes what udisks2 publishes for a
USB stick, under its ObjectManager /org/freedesktop/UDisks2 (GetManagedObjects,
InterfacesAdded, InterfacesRemoved, PropertiesChanged as udisks2 emits them):

- /org/freedesktop/UDisks2/Manager: org.freedesktop.UDisks2.Manager (Version);
- /org/freedesktop/UDisks2/drives/<name>: org.freedesktop.UDisks2.Drive (Vendor, Model,
  Removable, MediaRemovable, ConnectionBus, Size...);
- /org/freedesktop/UDisks2/block_devices/<name>: org.freedesktop.UDisks2.Block (Device,
  Size, ReadOnly, Drive, IdUsage, IdType, IdLabel, HintAuto, HintSystem, HintIgnore) and
  org.freedesktop.UDisks2.Filesystem (MountPoints, Size; Mount, Unmount).

What is real: Mount really mounts, as udisks2 would, a file system of the block's size (a
tmpfs standing for the stick's FAT) on <mount_root>/<label> with the options the caller
passed, so the kernel's mount table shows them; Unmount really unmounts. What is mocked: the
devices themselves (no /dev node behind Device) and polkit (auth.no_user_interaction is
recorded, never asked).

Control methods, on org.freedesktop.DBus.Mock of the main object:
- AddDrive(name, label, size, removable, hint_auto, hint_system) -> block object path;
- RemoveDrive(name): the stick is pulled: its mount goes away (lazy unmount, as the kernel
  does when the device vanishes), then its objects, with InterfacesRemoved;
- LastMountOptions() -> the options string of the last Mount call.
'''

import os
import subprocess

import dbus

from dbusmock import MOCK_IFACE, mockobject

BUS_NAME = 'org.freedesktop.UDisks2'
MAIN_OBJ = '/org/freedesktop/UDisks2'
SYSTEM_BUS = True
IS_OBJECT_MANAGER = True

MANAGER_IFACE = 'org.freedesktop.UDisks2.Manager'
DRIVE_IFACE = 'org.freedesktop.UDisks2.Drive'
BLOCK_IFACE = 'org.freedesktop.UDisks2.Block'
FILESYSTEM_IFACE = 'org.freedesktop.UDisks2.Filesystem'
ERROR = 'org.freedesktop.UDisks2.Error'


def _bytes(text, variant_level=1):
    return dbus.Array([dbus.Byte(b) for b in text.encode('utf-8') + b'\0'], signature='y', variant_level=variant_level)


def load(mock, parameters):
    mock.mount_root = parameters.get('mount_root', '/run/media/scrutin-mock')
    mock.last_mount_options = ''
    mock.AddObject(MAIN_OBJ + '/Manager', MANAGER_IFACE, {'Version': dbus.String('2.9.4', variant_level=1)}, [])
    mock.object_manager_emit_added(MAIN_OBJ + '/Manager')


def _mount(block, options):
    opts = str(options.get('options', ''))
    root = mockobject.objects[MAIN_OBJ]
    root.last_mount_options = opts
    if block.mounted_at:
        raise dbus.exceptions.DBusException(f'Device is already mounted at `{block.mounted_at}\'.', name=ERROR + '.AlreadyMounted')
    allowed = {'noexec', 'nosuid', 'nodev', 'ro', 'rw', 'sync', 'dirsync', 'noatime'}
    for opt in filter(None, opts.split(',')):
        if opt not in allowed:
            raise dbus.exceptions.DBusException(f'Mount option `{opt}\' is not allowed', name=ERROR + '.OptionNotPermitted')
    target = os.path.join(root.mount_root, block.label)
    os.makedirs(target, exist_ok=True)
    tmpfs_opts = ','.join(filter(None, [f'size={int(block.size)}', 'mode=0755', opts]))
    result = subprocess.run(['mount', '-t', 'tmpfs', '-o', tmpfs_opts, 'scrutin-' + block.name, target],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise dbus.exceptions.DBusException(f'Error mounting: {result.stderr.strip()}', name=ERROR + '.Failed')
    block.mounted_at = target
    block.UpdateProperties(FILESYSTEM_IFACE, {'MountPoints': dbus.Array([_bytes(target, 0)], signature='ay')})
    return target


def _unmount(block, _options):
    if not block.mounted_at:
        raise dbus.exceptions.DBusException('Device is not mounted', name=ERROR + '.NotMounted')
    subprocess.run(['umount', block.mounted_at], check=True)
    os.rmdir(block.mounted_at)
    block.mounted_at = None
    block.UpdateProperties(FILESYSTEM_IFACE, {'MountPoints': dbus.Array([], signature='ay')})


@dbus.service.method(MOCK_IFACE, in_signature='ssxbbb', out_signature='o')
def AddDrive(self, name, label, size, removable, hint_auto, hint_system):
    '''Adds a drive with one partition carrying a file system; returns the block object path.'''
    drive_path = f'{MAIN_OBJ}/drives/{name}'
    block_path = f'{MAIN_OBJ}/block_devices/{name}1'
    self.AddObject(drive_path, DRIVE_IFACE, {
        'Vendor': dbus.String('Scrutin', variant_level=1),
        'Model': dbus.String('Test Stick', variant_level=1),
        'Serial': dbus.String(name.upper(), variant_level=1),
        'Removable': dbus.Boolean(removable, variant_level=1),
        'MediaRemovable': dbus.Boolean(removable, variant_level=1),
        'Ejectable': dbus.Boolean(removable, variant_level=1),
        'ConnectionBus': dbus.String('usb' if removable else 'sata', variant_level=1),
        'Size': dbus.UInt64(size, variant_level=1),
    }, [])
    self.object_manager_emit_added(drive_path)

    self.AddObject(block_path, BLOCK_IFACE, {
        'Device': _bytes(f'/dev/{name}1'),
        'PreferredDevice': _bytes(f'/dev/{name}1'),
        'Size': dbus.UInt64(size, variant_level=1),
        'ReadOnly': dbus.Boolean(False, variant_level=1),
        'Drive': dbus.ObjectPath(drive_path, variant_level=1),
        'IdUsage': dbus.String('filesystem', variant_level=1),
        'IdType': dbus.String('vfat', variant_level=1),
        'IdLabel': dbus.String(label, variant_level=1),
        'IdUUID': dbus.String(f'{abs(hash(name)) % 0xFFFF:04X}-0001', variant_level=1),
        'HintAuto': dbus.Boolean(hint_auto, variant_level=1),
        'HintSystem': dbus.Boolean(hint_system, variant_level=1),
        'HintIgnore': dbus.Boolean(False, variant_level=1),
    }, [])
    block = mockobject.objects[block_path]
    block.name = f'{name}1'
    block.label = label or f'{name}1'
    block.size = size
    block.mounted_at = None
    block.AddProperties(FILESYSTEM_IFACE, {
        'MountPoints': dbus.Array([], signature='ay', variant_level=1),
        'Size': dbus.UInt64(size, variant_level=1),
    })
    block.AddMethods(FILESYSTEM_IFACE, [
        ('Mount', 'a{sv}', 's', _mount),
        ('Unmount', 'a{sv}', '', _unmount),
    ])
    self.object_manager_emit_added(block_path)
    return block_path


@dbus.service.method(MOCK_IFACE, in_signature='s', out_signature='')
def RemoveDrive(self, name):
    '''The stick is pulled out.'''
    drive_path = f'{MAIN_OBJ}/drives/{name}'
    block_path = f'{MAIN_OBJ}/block_devices/{name}1'
    block = mockobject.objects[block_path]
    if block.mounted_at:
        subprocess.run(['umount', '-l', block.mounted_at], check=True)
        os.rmdir(block.mounted_at)
        block.mounted_at = None
    for path in (block_path, drive_path):
        self.object_manager_emit_removed(path)
        self.RemoveObject(path)


@dbus.service.method(MOCK_IFACE, in_signature='', out_signature='s')
def LastMountOptions(self):
    return self.last_mount_options
